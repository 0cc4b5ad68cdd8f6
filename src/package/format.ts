/** The vocabulary of a project package: its file names, limits, problems and definitions. */

export const PROJECT_FILE = 'qtcp_project.yaml'
export const REGISTRY_FILE = 'qtcp_bindings_definition.json'
export const BINDINGS_FILE = 'bindings.json'
export const TASKS_DIR = 'qtcp_tasks'
export const NEW_TASK_DEFAULTS_FILE = 'qtcp_tasks/newTaskDefaults.yaml'
export const LEGACY_PROJECT_FILE = 'project.json'
export const LEGACY_REGISTRY_FILE = 'bindingsTemplate.json'
/** qlik.dev's validate page: packages above this size are refused. */
export const PACKAGE_LIMIT_BYTES = 10 * 1024 * 1024

export type FileMap = Record<string, Uint8Array>

export class PackageFormatError extends Error {
  override readonly name: string = 'PackageFormatError'
}

/**
 * A package whose archive is hostile (a bomb, a path that climbs out, a link): not a bad input to
 * fix but a finding, like an invalid definition (validate exits 1).
 */
export class PackageRefusedError extends PackageFormatError {
  override readonly name = 'PackageRefusedError'
}

export interface Problem {
  level: 'ERROR' | 'WARNING'
  /** Path inside the package (or the folder), '/'-separated. */
  file: string
  /** JSON pointer into the file, '' for the file itself. */
  pointer: string
  message: string
  /** 1-based line of the pointer in the file, when it can be found. */
  line?: number
  /**
   * The published schema the finding comes from (vendor/qlik-oss-schemas). The schemas lag behind
   * Qlik's exporter, so such a finding is a warning unless `strict-schemas` is set.
   */
  schema?: string
}

/** With strict-schemas, what the published schemas say becomes an error too. */
export const withStrictness = (problems: Problem[], strict: boolean): Problem[] =>
  strict ? problems.map((p) => (p.schema ? { ...p, level: 'ERROR' as const } : p)) : problems

export const formatProblem = (p: Problem): string =>
  `${p.file}${p.line !== undefined ? `:${p.line}` : ''}: ${p.pointer || '/'}: ${p.message}${p.schema ? ` (schema ${p.schema})` : ''}`

export type ConnectionRole =
  'platformConnection' | 'cloudStagingConnection' | 'sourceConnection' | 'targetConnection'

export interface TaskDefinition {
  id: string
  name: string
  /** Data task type in the REST API's vocabulary (LANDING, not LANDING_SAAS_MANAGED). */
  type: string
  description: string
  /** Folder under qtcp_tasks/ (YAML) or '' (LEGACY). */
  folder: string
  connectionVars: Partial<Record<'sourceConnection' | 'targetConnection', string>>
  datasets: string[]
  settings: Record<string, unknown>
  /**
   * Cross-project reference: the datasets come from a task of another project, named by the
   * variable holding that project's id (`sourceProject: "{{project.<name>.projectId}}"`).
   */
  upstream?: { projectVar: string; taskId: string }
  /** Size of model.yaml in bytes (0 when absent). */
  modelBytes: number
  /**
   * A digest of each other file of the task folder (datasets, model, source selection, ...), path
   * relative to the folder, of its content with the schema's defaults filled in: a release diff and
   * drift detection see a changed column or rule, not only a changed setting.
   */
  contents?: Record<string, string>
}

export interface ProjectDefinition {
  format: 'YAML' | 'LEGACY'
  project: {
    /** A literal name, or undefined when it is the `{{projectName}}` variable. */
    name?: string
    type: string
    /** Platform in the REST API's vocabulary (QLIK_QVD, not QVD); NONE when absent. */
    platformType: string
    description: string
    settings: Record<string, unknown>
    connectionVars: Partial<Record<'platformConnection' | 'cloudStagingConnection', string>>
  }
  tasks: TaskDefinition[]
  /** Variables the registry declares. */
  declared: string[]
  /** The registry's file name as found (exports of May 2026 name it bindingsTemplate.json). */
  registryFile?: string
  /** Values of bindings.json, when the package ships one. */
  shippedBindings?: Record<string, string | null>
  files: string[]
}

/** Unzip a package; structural problems (not a ZIP, corrupt) throw PackageFormatError. */
/** `{{name}}` in a YAML value: a binding variable. `{{id(...)}}` and `{{ref(...)}}` are not. */
export const VARIABLE = /\{\{\s*([^{}()\s]+)\s*\}\}/g
/** A value that is exactly one variable reference. */
export function variableOf(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined
  const m = /^\{\{\s*([^{}()\s]+)\s*\}\}$/.exec(value)
  return m?.[1]
}
/** LEGACY packages wrote `{{variable:NAME}}`. */
export const legacyVariableOf = (value: unknown): string | undefined =>
  typeof value === 'string' ? /^\{\{variable:(.+)\}\}$/.exec(value)?.[1] : undefined

export const asRecord = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {}

export const stringValues = (vars: Record<string, unknown>): Record<string, string | null> =>
  Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, typeof v === 'string' ? v : null]))
