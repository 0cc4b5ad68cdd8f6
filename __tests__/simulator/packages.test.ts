import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate'
import { parse } from 'yaml'
import { parseConfig } from '../../src/simulator/config.js'
import { buildPackage, PackageError, readPackage } from '../../src/simulator/engine/packages.js'
import { buildTenants, type Project } from '../../src/simulator/state.js'
import { demoConfig } from '../helpers/sim.js'

function salesProject(): Project {
  const [dev] = buildTenants(parseConfig(demoConfig()), Date.now())
  return dev!.projects.find((p) => p.name === 'Sales pipeline')!
}

const files = (zip: Uint8Array): Record<string, string> =>
  Object.fromEntries(Object.entries(unzipSync(zip)).map(([k, v]) => [k, strFromU8(v)]))

describe("package build (Qlik's published layout)", () => {
  it("MINIMAL, as Qlik's exporter writes it today: properties + settings, tasks in folders named after them, types as the API names them, registry with empty values", () => {
    const f = files(buildPackage(salesProject(), 'MINIMAL', false))
    expect(Object.keys(f)).toEqual(
      expect.arrayContaining([
        'qtcp_project.yaml',
        'qtcp_bindings_definition.json',
        'qtcp_tasks/newTaskDefaults.yaml',
        'qtcp_tasks/Landing orders/task.yaml',
        'qtcp_tasks/Landing orders/sourceSelection.yaml',
        'qtcp_tasks/Storage sales/datasets/orders.yaml',
        'qtcp_tasks/Sales mart/task.yaml'
      ])
    )
    expect(f['bindings.json']).toBeUndefined()
    expect(f['qtcp_tasks/Landing orders/schedule.yaml']).toBeUndefined()
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
    // no taskProperties (real exports have none); source-side tasks have no dataset files
    expect(Object.keys(registry)).toEqual(['variables'])
    expect(f['qtcp_tasks/Landing orders/datasets/orders.yaml']).toBeUndefined()
    const project = parse(f['qtcp_project.yaml']!)
    expect(project.properties).toMatchObject({
      exportVersion: '1.0',
      name: '{{projectName}}',
      space: 'ref{project.current.spaceId}',
      type: 'DATA_PIPELINE',
      platformType: 'SNOWFLAKE',
      platformConnection: '{{platformConnection}}'
    })
    // the project's variables sit where Qlik puts them; defaults are left out
    expect(project.settings).toEqual({
      artifactsNaming: { prefixSchema: '{{project.current.prefixSchema}}' }
    })
    const task = parse(f['qtcp_tasks/Landing orders/task.yaml']!)
    expect(task).toEqual({
      properties: { name: 'Landing orders', id: 'landing_orders', type: 'LANDING' },
      settings: {}
    })
    expect(parse(f['qtcp_tasks/Landing orders/sourceSelection.yaml']!).sourceConnection).toBe(
      '{{task.landing_orders.sourceConnection}}'
    )
    expect(parse(f['qtcp_tasks/Storage sales/task.yaml']!).settings).toEqual({
      artifactsLocation: { databaseName: '{{task-type.storage.databaseName}}' },
      taskRuntime: { warehouseSelection: {} }
    })
  })

  it('ALL: every schema default written out, schedules present', () => {
    const f = files(buildPackage(salesProject(), 'ALL', false))
    const project = parse(f['qtcp_project.yaml']!)
    expect(project.settings.artifactsNaming).toEqual({
      prefixSchema: '{{project.current.prefixSchema}}',
      suffixLiveViews: '__live',
      suffixChangesView: '__changes',
      suffixCurrentView: '',
      suffixHistoryViews: '__history',
      suffixLiveHistoryViews: '__live_history',
      suffixInternalSchema: '__internal',
      defaultSchemaNameOption: 'LOWER_CASE'
    })
    const storage = parse(f['qtcp_tasks/Storage sales/task.yaml']!).settings
    expect(storage).toMatchObject({
      fullLoadOnly: false,
      viewType: 'DEFAULT',
      taskRuntime: { tableUpdateConcurrency: 10, warehouseSelection: {} }
    })
    expect(parse(f['qtcp_tasks/Landing orders/task.yaml']!).settings.fullLoadOnly).toBe(true)
    expect(f['qtcp_tasks/Storage sales/schedule.yaml']).toBeDefined()
  })

  it('a DATA_MOVEMENT project: no platformType (NONE), no settings, the CDC target in settings', () => {
    const [dev] = buildTenants(parseConfig(demoConfig()), Date.now())
    const repl = dev!.projects.find((p) => p.name === 'Orders replication')!
    const f = files(buildPackage(repl, 'MINIMAL', false))
    const project = parse(f['qtcp_project.yaml']!)
    expect(project.properties.platformType).toBeUndefined()
    expect(project.settings).toBeUndefined()
    const task = parse(f['qtcp_tasks/Replicate orders/task.yaml']!)
    expect(task.settings.targetEndpoint.targetConnection).toBe(
      '{{task.replicate_orders.targetConnection}}'
    )
    // continuous replication is the type's default (fullLoadOnly: false): MINIMAL leaves it out
    expect(task.settings.fullLoadOnly).toBeUndefined()
    expect(repl.tasks[0]!.continuous).toBe(true)
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

  it('same project, same mode: the same bytes', () => {
    const p = salesProject()
    expect(Buffer.from(buildPackage(p, 'MINIMAL', false))).toEqual(
      Buffer.from(buildPackage(p, 'MINIMAL', false))
    )
  })
})

describe('package read', () => {
  it('round-trips every mode', () => {
    const p = salesProject()
    for (const mode of ['MINIMAL', 'ALL', 'LEGACY'] as const) {
      const { content, reports } = readPackage(buildPackage(p, mode, mode === 'ALL'))
      expect(reports.filter((r) => r.level === 'ERROR')).toEqual([])
      expect(content?.format).toBe(mode === 'LEGACY' ? 'LEGACY' : 'YAML')
      expect(content?.project).toMatchObject({ type: 'DATA_PIPELINE', platformType: 'SNOWFLAKE' })
      // YAML: the data flow's order (landing, storage, marts), then the folders' names;
      // LEGACY: project.json's own order
      expect(content?.tasks.map((t) => t.id)).toEqual(
        mode === 'LEGACY'
          ? ['landing_orders', 'landing_crm', 'storage_sales', 'mart_sales']
          : ['landing_crm', 'landing_orders', 'storage_sales', 'mart_sales']
      )
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

  it('reports definition errors: schema violations, bad YAML, undeclared variables, no task.yaml', () => {
    const f = unzipSync(buildPackage(salesProject(), 'MINIMAL', false))
    f['qtcp_tasks/Landing orders/task.yaml'] = strToU8(
      'properties:\n  id: landing_orders\n  name: L\n  type: LANDING_SAAS_MANAGED\nsettings:\n  fullLoadOnly: "{{nope}}"\n'
    )
    f['qtcp_tasks/Landing CRM/task.yaml'] = strToU8('properties: [unclosed\n')
    f['qtcp_tasks/Orphan/datasets/x.yaml'] = strToU8('properties: {name: x}\n')
    f['qtcp_project.yaml'] = strToU8(
      'properties:\n  type: DATA_LAKE\n  platformType: SNOWFLAKE\nsettings: {}\n'
    )
    f['notes.txt'] = strToU8('x')
    const { content, reports } = readPackage(zipSync(f))
    expect(content).toBeUndefined()
    expect(reports).toEqual(
      expect.arrayContaining([
        // what the published schema says is a warning (the schemas lag behind Qlik's exporter)
        {
          level: 'WARNING',
          path: 'qtcp_tasks/Landing orders/task.yaml',
          reason: '/settings/fullLoadOnly: must be boolean'
        },
        {
          level: 'ERROR',
          path: 'qtcp_tasks/Landing orders/task.yaml',
          reason:
            '/settings/fullLoadOnly: uses the variable {{nope}}, which qtcp_bindings_definition.json does not declare'
        },
        expect.objectContaining({ level: 'ERROR', path: 'qtcp_tasks/Landing CRM/task.yaml' }),
        expect.objectContaining({
          level: 'ERROR',
          path: 'qtcp_tasks/Orphan',
          reason: expect.stringContaining('without task.yaml')
        }),
        expect.objectContaining({
          level: 'WARNING',
          path: 'qtcp_project.yaml',
          reason: expect.stringMatching(
            /^\/properties\/type: must be one of "DATA_MOVEMENT", "DATA_PIPELINE"/
          )
        }),
        // a type no Qlik exporter writes is an error: Qlik refuses the import
        {
          level: 'ERROR',
          path: 'qtcp_project.yaml',
          reason:
            "/properties/type: 'DATA_LAKE' is not a project type Qlik writes: DATA_PIPELINE or DATA_MOVEMENT"
        },
        {
          level: 'WARNING',
          path: 'notes.txt',
          reason: 'is not part of the package layout; it is ignored'
        }
      ])
    )
  })
})
