/**
 * Qlik's names for the kinds of things a promotion handles, as the Data Integration REST API
 * spells them (@qlik/api 2.19, di-projects): defined once for the options, the client and the
 * simulator.
 */

export const PROJECT_TYPES = ['DATA_PIPELINE', 'DATA_MOVEMENT'] as const
export type ProjectType = (typeof PROJECT_TYPES)[number]

// prettier-ignore
export const PLATFORM_TYPES = [
  'SNOWFLAKE', 'BIGQUERY', 'SYNAPSE', 'DATABRICKS', 'REDSHIFT', 'MSSQL', 'FABRIC',
  'QLIK_QVD', 'QLIK_QVD_CUSTOMER_MANAGED', 'QLIK_OPEN_LAKEHOUSE', 'NONE'
] as const
export type PlatformType = (typeof PLATFORM_TYPES)[number]

// prettier-ignore
export const DATA_TASK_TYPES = [
  'LANDING', 'STORAGE', 'QVD_STORAGE', 'TRANSFORM', 'DATAMART', 'REGISTERED_DATA', 'REPLICATION',
  'DISTRIBUTION', 'LAKE_LANDING', 'KNOWLEDGE_MART', 'FILE_BASED_KNOWLEDGE_MART', 'LAKEHOUSE_STORAGE',
  'LAKEHOUSE_MIRROR', 'STREAMING_LAKE_LANDING', 'STREAMING_TRANSFORM', 'REPLICATE_LANDING'
] as const
export type DataTaskType = (typeof DATA_TASK_TYPES)[number]

/** Where a task type stands in the data flow: landing before storage before transform and marts. */
export const TASK_STAGE: Readonly<Record<string, number>> = {
  LANDING: 0,
  LAKE_LANDING: 0,
  REPLICATION: 0,
  REPLICATE_LANDING: 0,
  STREAMING_LAKE_LANDING: 0,
  STORAGE: 1,
  QVD_STORAGE: 1,
  LAKEHOUSE_STORAGE: 1,
  REGISTERED_DATA: 1,
  LAKEHOUSE_MIRROR: 1,
  TRANSFORM: 2,
  STREAMING_TRANSFORM: 2,
  DATAMART: 3,
  KNOWLEDGE_MART: 3,
  FILE_BASED_KNOWLEDGE_MART: 3,
  DISTRIBUTION: 4
}

/** The export's `mode`: MINIMAL and ALL are YAML packages, LEGACY the deprecated JSON one. */
export const EXPORT_MODES = ['MINIMAL', 'ALL', 'LEGACY'] as const
export type ExportMode = (typeof EXPORT_MODES)[number]
