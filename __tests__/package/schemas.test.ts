import { readdirSync, readFileSync } from 'node:fs'
import { QTCP_SCHEMAS } from '../../src/package/qtcp-schemas.js'
import { checkFiles } from '../../src/package/folder.js'
import { taskTypeForSchema } from '../../src/package/enums.js'
import { unzipPackage } from '../../src/package/layout.js'
import {
  taskSettingsSchemas,
  UNRESOLVED_REFS,
  validateDocument
} from '../../src/package/schemas.js'
import { parseConfig } from '../../src/simulator/config.js'
import { DATA_TASK_TYPES, PLATFORM_TYPES } from '../../src/simulator/config.js'
import { buildPackage } from '../../src/simulator/engine/packages.js'
import { buildTenants } from '../../src/simulator/state.js'
import { demoConfig } from '../helpers/sim.js'

const vendor = new URL('../../vendor/qlik-oss-schemas/', import.meta.url)

describe('vendored qlik-oss schemas', () => {
  it('ship with their LICENSE and NOTICE, a recorded commit for every file, and are all bundled', () => {
    expect(readFileSync(new URL('LICENSE', vendor), 'utf8')).toMatch(/MIT|Apache/)
    expect(readFileSync(new URL('NOTICE', vendor), 'utf8').length).toBeGreaterThan(0)
    const sources = JSON.parse(readFileSync(new URL('sources.json', vendor), 'utf8')) as {
      files: Record<string, string>
    }
    const onDisk = readdirSync(new URL('qtcp/', vendor)).sort()
    expect(Object.keys(sources.files).sort()).toEqual(onDisk)
    for (const commit of Object.values(sources.files)) expect(commit).toMatch(/^[0-9a-f]{40}$/)
    // src/package/qtcp-schemas.ts is generated from the folder (npm run schemas:generate)
    expect(Object.keys(QTCP_SCHEMAS).sort()).toEqual(onDisk)
  })

  it('every reference resolves except the upstream gaps we know of (pinned)', () => {
    expect([...UNRESOLVED_REFS].sort()).toEqual([
      'newtaskdefaults.settings.common.schema.json#/definitions/changeProcessingInterval',
      'newtaskdefaults.settings.common.schema.json#/definitions/createConsumptionViews',
      'task.settings.common.schema.json#/definitions/artifactsSettingsArtifactsPrefix',
      'task.settings.common.schema.json#/definitions/artifactsSettingsChangeTablesEnabled',
      'task.settings.common.schema.json#/definitions/artifactsSettingsCreateConsumptionViews',
      'task.settings.common.schema.json#/definitions/artifactsSettingsCurrentTableSuffix',
      'task.settings.common.schema.json#/definitions/artifactsSettingsHistoryEnabled',
      'task.settings.common.schema.json#/definitions/artifactsSettingsLiveViewsEnabled',
      'task.settings.common.schema.json#/definitions/artifactsSettingsMaterialized',
      'task.settings.common.schema.json#/definitions/artifactsSettingsReloadType-Standard'
    ])
  })

  it('reject what they should: unknown keys, wrong enums, a task without properties', () => {
    expect(
      validateDocument('project.schema.json', {
        properties: { type: 'DATA_PIPELINE', platformType: 'QLIK_QVD' }
      })
    ).toEqual([
      {
        pointer: '/properties/platformType',
        message: expect.stringMatching(/^must be one of .*"QVD"/)
      }
    ])
    expect(validateDocument('task.schema.json', { settings: {} })).toEqual([
      { pointer: '', message: "is missing the required key 'properties'" }
    ])
    expect(
      validateDocument('task.schema.json', {
        properties: { id: 's', type: 'STORAGE' },
        settings: { taskRuntime: { warehouseSelection: {} }, artifactsLocation: {}, speed: 1 }
      })
    ).toEqual([{ pointer: '/settings/speed', message: 'is not a key the schema allows here' }])
  })
})

/** A tenant with a project per platform and a task of every type the schemas know. */
function everyKindConfig() {
  const types = DATA_TASK_TYPES.filter((t) => taskSettingsSchemas()[taskTypeForSchema(t)])
  const base = demoConfig() as { tenants: Array<Record<string, unknown>> }
  const dev = base.tenants[0]!
  // QLIK_QVD_CUSTOMER_MANAGED has no name in the project schema's enum (see enums.test.ts)
  const projects = PLATFORM_TYPES.filter((p) => p !== 'QLIK_QVD_CUSTOMER_MANAGED').flatMap(
    (platformType) => {
      const movement = platformType === 'NONE'
      return [
        {
          name: `All kinds on ${platformType}`,
          space: 'DEV_PIPELINES',
          type: movement ? 'DATA_MOVEMENT' : 'DATA_PIPELINE',
          platformType,
          description: 'every task type',
          ...(movement ? {} : { platformConnection: 'DEV_DATA.snowflake_dev' }),
          variables: {
            'project.current.prefixSchema': 'X_',
            'task-type.storage.databaseName': 'DB'
          },
          tasks: types.map((type, i) => ({
            id: `t${i}`,
            name: `Task ${type}`,
            type,
            continuous: i % 2 === 0,
            datasets: ['a', 'b'],
            modelBytes: i === 0 ? 2000 : 0,
            ...(type === 'REPLICATION' || type === 'LAKE_LANDING'
              ? { targetConnection: 'DEV_DATA.sqlserver_replica_dev' }
              : {}),
            ...(type === 'LANDING' ? { sourceConnection: 'DEV_SOURCES.orders_postgres' } : {})
          }))
        }
      ]
    }
  )
  return { ...base, tenants: [{ ...dev, projects }, ...base.tenants.slice(1)] }
}

describe('every package the simulator exports validates against the vendored schemas', () => {
  it('MINIMAL and ALL, with and without bindings, every platform and task type', () => {
    const [dev] = buildTenants(parseConfig(everyKindConfig()), Date.now())
    expect(dev!.projects.length).toBeGreaterThanOrEqual(10)
    let checked = 0
    for (const project of [...dev!.projects]) {
      for (const mode of ['MINIMAL', 'ALL'] as const) {
        for (const includeBindings of [false, true]) {
          const files = unzipPackage(buildPackage(project, mode, includeBindings))
          const problems = checkFiles(files).filter(
            (p) => p.level === 'ERROR' || p.file === 'bindings.json'
          )
          expect({ project: project.name, mode, problems }).toEqual({
            project: project.name,
            mode,
            problems: []
          })
          checked += Object.keys(files).length
        }
      }
    }
    expect(checked).toBeGreaterThan(500)
  })

  it('the demo projects too', () => {
    const [dev] = buildTenants(parseConfig(demoConfig()), Date.now())
    for (const project of dev!.projects)
      for (const mode of ['MINIMAL', 'ALL'] as const)
        expect(checkFiles(unzipPackage(buildPackage(project, mode, true)))).toEqual([])
  })
})
