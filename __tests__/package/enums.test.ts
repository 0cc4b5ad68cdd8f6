import {
  normalizePlatform,
  platformForSchema,
  taskTypeForApi,
  taskTypeForSchema
} from '../../src/package/enums.js'
import { QTCP_SCHEMAS } from '../../src/package/qtcp-schemas.js'
import { taskSettingsSchemas } from '../../src/package/schemas.js'
import { DATA_TASK_TYPES, PLATFORM_TYPES } from '../../src/simulator/config.js'

describe("one map between the schemas' names and the REST API's", () => {
  it('platforms: QVD is QLIK_QVD, NONE has no schema name, the rest are the same', () => {
    expect(normalizePlatform('QVD')).toBe('QLIK_QVD')
    expect(normalizePlatform('qvd')).toBe('QLIK_QVD')
    expect(normalizePlatform('SNOWFLAKE')).toBe('SNOWFLAKE')
    expect(normalizePlatform('')).toBeUndefined()
    expect(platformForSchema('QLIK_QVD')).toBe('QVD')
    expect(platformForSchema('NONE')).toBeUndefined()
    const schemaEnum = (
      QTCP_SCHEMAS['project.schema.json'] as {
        properties: { properties: { properties: { platformType: { enum: string[] } } } }
      }
    ).properties.properties.properties.platformType.enum
    const without = PLATFORM_TYPES.filter(
      (p) => p !== 'NONE' && !schemaEnum.includes(platformForSchema(p) as string)
    )
    // the one API platform the published project schema cannot name (such a package fails validation)
    expect(without).toEqual(['QLIK_QVD_CUSTOMER_MANAGED'])
    for (const name of schemaEnum) expect(platformForSchema(normalizePlatform(name)!)).toBe(name)
  })

  it('task types: LANDING is LANDING_SAAS_MANAGED; every mapped type has a settings schema', () => {
    expect(taskTypeForSchema('LANDING')).toBe('LANDING_SAAS_MANAGED')
    expect(taskTypeForApi('LANDING_SAAS_MANAGED')).toBe('LANDING')
    expect(taskTypeForSchema('STORAGE')).toBe('STORAGE')
    const routed = taskSettingsSchemas()
    const unmapped = DATA_TASK_TYPES.filter((t) => routed[taskTypeForSchema(t)] === undefined)
    // the API types the published schemas have no counterpart for (documented in enums.ts)
    expect(unmapped).toEqual(['DISTRIBUTION', 'REPLICATE_LANDING'])
    for (const t of DATA_TASK_TYPES) expect(taskTypeForApi(taskTypeForSchema(t))).toBe(t)
  })
})
