/**
 * Qlik's exporter writes the REST API's names (`type: LANDING`, `LAKEHOUSE_STORAGE`,
 * `platformType: SNOWFLAKE`): every real export at hand does (../shared/real-exports, 80 folders of
 * qlik-org/demo_repository), and so do the simulator's exports. Qlik's published package schemas
 * (qlik-oss/schemas, qtcp/) name some values differently: `QVD` for `QLIK_QVD`,
 * `LANDING_SAAS_MANAGED` for `LANDING`. These maps are kept for two readings only, never for
 * writing: choosing the published settings schema of a task type (the schema's routing is keyed by
 * its own names), and reading a hand-written folder that followed the schema's words (read as the
 * API type, so that it deploys). Tested in __tests__/package/enums.test.ts.
 */

/**
 * API platform type -> the project schema's `properties.platformType`. QLIK_QVD_CUSTOMER_MANAGED has
 * no name in the published enum: it is written as the API names it and fails schema validation.
 */
const PLATFORM_API_TO_SCHEMA: Record<string, string> = {
  QLIK_QVD: 'QVD'
}

/**
 * API data task type -> the task schema's `properties.type`. Types the API and the schema spell the
 * same way are not listed. The lakehouse and streaming rows are our reading of Qlik's naming (the
 * schema has no LAKEHOUSE_ or STREAMING_LAKE_ types); API types with no schema counterpart at all
 * (DISTRIBUTION, REPLICATE_LANDING) are written as the API names them and fail schema validation.
 */
const TASK_TYPE_API_TO_SCHEMA: Record<string, string> = {
  LANDING: 'LANDING_SAAS_MANAGED',
  LAKEHOUSE_STORAGE: 'ICEBERG_STORAGE',
  LAKEHOUSE_MIRROR: 'MIRROR',
  STREAMING_LAKE_LANDING: 'STREAMING_LANDING',
  STREAMING_TRANSFORM: 'ICEBERG_TRANSFORM'
}

const invert = (m: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(m).map(([k, v]) => [v, k]))
const PLATFORM_SCHEMA_TO_API = invert(PLATFORM_API_TO_SCHEMA)
const TASK_TYPE_SCHEMA_TO_API = invert(TASK_TYPE_API_TO_SCHEMA)

/** A platform type as the REST API names it, whichever vocabulary it came in. */
export function normalizePlatform(p: string | undefined): string | undefined {
  if (p === undefined || p === '') return undefined
  const up = p.toUpperCase()
  return PLATFORM_SCHEMA_TO_API[up] ?? up
}

/**
 * A platform type as the project schema names it; undefined for `NONE` (a DATA_MOVEMENT project
 * leaves `platformType` out: the schema's enum has no NONE).
 */
export function platformForSchema(apiPlatform: string): string | undefined {
  if (apiPlatform === 'NONE' || apiPlatform === '') return undefined
  return PLATFORM_API_TO_SCHEMA[apiPlatform] ?? apiPlatform
}

/** A data task type as the REST API names it, whichever vocabulary it came in. */
export function taskTypeForApi(t: string): string {
  return TASK_TYPE_SCHEMA_TO_API[t] ?? t
}

/** A data task type as the task schema names it. */
export function taskTypeForSchema(t: string): string {
  return TASK_TYPE_API_TO_SCHEMA[t] ?? t
}
