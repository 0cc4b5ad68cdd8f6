import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate'
import { parse } from 'yaml'
import { parseConfig } from '../../src/simulator/config.js'
import { buildPackage, PackageError, readPackage } from '../../src/simulator/packages.js'
import { buildTenants, type Project } from '../../src/simulator/state.js'
import { demoConfig } from '../helpers/sim.js'

function salesProject(): Project {
  const [dev] = buildTenants(parseConfig(demoConfig()), Date.now())
  return dev!.projects.find((p) => p.name === 'Sales pipeline')!
}

const files = (zip: Uint8Array): Record<string, string> =>
  Object.fromEntries(Object.entries(unzipSync(zip)).map(([k, v]) => [k, strFromU8(v)]))

describe('package build', () => {
  it('MINIMAL: YAML files, registry with empty values, defaults omitted, no bindings.json', () => {
    const f = files(buildPackage(salesProject(), 'MINIMAL', false))
    expect(Object.keys(f)).toEqual(
      expect.arrayContaining([
        'qtcp_project.yaml',
        'qtcp_bindings_definition.json',
        'qtcp_tasks/newTaskDefaults.yaml',
        'qtcp_tasks/landing_orders/task.yaml',
        'qtcp_tasks/landing_orders/sourceSelection.yaml',
        'qtcp_tasks/landing_orders/datasets/orders.yaml',
        'qtcp_tasks/mart_sales/task.yaml'
      ])
    )
    expect(f['bindings.json']).toBeUndefined()
    expect(f['qtcp_tasks/landing_orders/schedule.yaml']).toBeUndefined()
    const registry = JSON.parse(f['qtcp_bindings_definition.json']!)
    expect(registry.variables).toEqual({
      projectName: '',
      platformConnection: '',
      cloudStagingConnection: '',
      'task.landing_orders.sourceConnection': '',
      'task.landing_crm.sourceConnection': '',
      'task-type.storage.databaseName': '',
      'project.current.prefixSchema': ''
    })
    const project = parse(f['qtcp_project.yaml']!)
    expect(project.exportMode).toBe('MINIMAL')
    expect(project.project.settings).toEqual({})
    expect(project.project.platformConnection).toBe('{{variable:platformConnection}}')
    const task = parse(f['qtcp_tasks/landing_orders/task.yaml']!)
    expect(task).toMatchObject({ id: 'landing_orders', type: 'LANDING', settings: {} })
    expect(task.sourceConnection).toBe('{{variable:task.landing_orders.sourceConnection}}')
  })

  it('ALL: every attribute, defaults included, schedules present', () => {
    const f = files(buildPackage(salesProject(), 'ALL', false))
    const project = parse(f['qtcp_project.yaml']!)
    expect(project.project.settings).toEqual({
      prefixSchema: false,
      timezone: 'UTC',
      historyEnabled: false
    })
    expect(parse(f['qtcp_tasks/storage_sales/task.yaml']!).settings).toEqual({
      loadMethod: 'FULL_LOAD',
      changeProcessing: false,
      parallelLoads: 4
    })
    expect(f['qtcp_tasks/storage_sales/schedule.yaml']).toBeDefined()
  })

  it('LEGACY: project.json and bindingsTemplate.json', () => {
    const f = files(buildPackage(salesProject(), 'LEGACY', false))
    expect(Object.keys(f).sort()).toEqual(['bindingsTemplate.json', 'project.json'])
    const doc = JSON.parse(f['project.json']!)
    expect(doc.tasks).toHaveLength(4)
    expect(JSON.parse(f['bindingsTemplate.json']!).variables.platformConnection).toBe('')
  })

  it('includeBindings adds bindings.json with the source values', () => {
    for (const mode of ['MINIMAL', 'LEGACY'] as const) {
      const f = files(buildPackage(salesProject(), mode, true))
      const b = JSON.parse(f['bindings.json']!)
      expect(b.variables.platformConnection).toBe('{{id(connection, DEV_DATA.snowflake_dev)}}')
      expect(b.variables['task-type.storage.databaseName']).toBe('ANALYTICS_DEV')
    }
  })
})

describe('package read', () => {
  it('round-trips every mode', () => {
    const p = salesProject()
    for (const mode of ['MINIMAL', 'ALL', 'LEGACY'] as const) {
      const { content, reports } = readPackage(buildPackage(p, mode, mode === 'ALL'))
      expect(reports.filter((r) => r.level === 'ERROR')).toEqual([])
      expect(content?.format).toBe(mode === 'LEGACY' ? 'LEGACY' : 'YAML')
      expect(content?.exportMode).toBe(mode)
      expect(content?.project).toMatchObject({ type: 'DATA_PIPELINE', platformType: 'SNOWFLAKE' })
      expect(content?.tasks.map((t) => t.id).sort()).toEqual([
        'landing_crm',
        'landing_orders',
        'mart_sales',
        'storage_sales'
      ])
      expect(content?.tasks.find((t) => t.id === 'landing_orders')?.datasets).toEqual([
        'orders',
        'order_lines'
      ])
      expect(content?.declared).toContain('task.landing_crm.sourceConnection')
      expect(content?.bindings !== undefined).toBe(mode === 'ALL')
    }
    expect(readPackage(buildPackage(p, 'LEGACY', false)).reports).toContainEqual(
      expect.objectContaining({ level: 'WARNING', path: 'project.json' })
    )
  })

  it('refuses what is not a ZIP, a truncated ZIP, and a ZIP that is not a project', () => {
    expect(() => readPackage(strToU8('hello, not a zip at all........'))).toThrow(
      /not a ZIP archive/
    )
    const zip = buildPackage(salesProject(), 'MINIMAL', false)
    expect(() => readPackage(zip.subarray(0, Math.floor(zip.length / 2)))).toThrow(PackageError)
    expect(() => readPackage(zipSync({ 'readme.txt': strToU8('hi') }))).toThrow(
      /neither qtcp_project.yaml nor project.json/
    )
  })

  it('reports definition errors: missing settings, bad YAML, undeclared variables, unknown types', () => {
    const f = unzipSync(buildPackage(salesProject(), 'MINIMAL', false))
    f['qtcp_tasks/landing_orders/task.yaml'] = strToU8(
      'id: landing_orders\nname: L\nsourceConnection: "{{variable:nope}}"\n'
    )
    f['qtcp_tasks/landing_crm/task.yaml'] = strToU8('id: [unclosed\n')
    f['qtcp_project.yaml'] = strToU8(
      'project:\n  type: DATA_LAKE\n  platformType: SNOWFLAKE\n  settings: {}\n'
    )
    f['notes.txt'] = strToU8('x')
    const { content, reports } = readPackage(zipSync(f))
    expect(content).toBeUndefined()
    expect(reports).toEqual(
      expect.arrayContaining([
        {
          level: 'ERROR',
          path: 'qtcp_tasks/landing_orders/task.yaml',
          reason: "Missing required attribute 'settings'."
        },
        expect.objectContaining({ level: 'ERROR', path: 'qtcp_tasks/landing_crm/task.yaml' }),
        {
          level: 'ERROR',
          path: 'qtcp_bindings_definition.json',
          reason: "Variable 'nope' is used but not declared."
        },
        { level: 'ERROR', path: 'qtcp_project.yaml', reason: "Unknown project type 'DATA_LAKE'." },
        { level: 'WARNING', path: 'notes.txt', reason: 'Unexpected file; it is ignored.' }
      ])
    )
  })
})
