/* eslint-disable max-lines -- issue 33: to be split (known when the rule came in) */
import { strToU8, zipSync, type Zippable } from 'fflate'
import { stringify as toYaml } from 'yaml'
import {
  BINDINGS_FILE,
  LEGACY_PROJECT_FILE,
  LEGACY_REGISTRY_FILE,
  NEW_TASK_DEFAULTS_FILE,
  PackageFormatError,
  parseDefinition,
  PROJECT_FILE,
  REGISTRY_FILE,
  TASKS_DIR,
  unzipPackage
} from '../../package/layout.js'
import {
  CDC_TYPES,
  continuousOf,
  PROJECT_SETTINGS_SCHEMA,
  defaultOf,
  fillDefaults,
  keysOf,
  settingsSchemaOf,
  stripDefaults
} from '../../package/schemas.js'
import { PLATFORM_TYPES, PROJECT_TYPES } from '../config.js'
import type { BindingValues, DataTask, Project } from '../state.js'

export { continuousOf }

/**
 * Project packages as the simulator exports and imports them, in Qlik's published layout (see
 * src/package/layout.ts): MINIMAL leaves out every value equal to the schema's default, ALL writes
 * them all; LEGACY (deprecated by Qlik) is project.json + bindingsTemplate.json.
 * A bound value is a variable reference `{{name}}`, declared in qtcp_bindings_definition.json.
 */

export type ExportMode = 'MINIMAL' | 'ALL' | 'LEGACY'

const hasKey = (schema: string | undefined, key: string): boolean =>
  schema !== undefined && keysOf(schema).properties.includes(key)
const needs = (schema: string | undefined, key: string): boolean =>
  schema !== undefined && keysOf(schema).required.includes(key)

const typeKey = (apiType: string): string => apiType.toLowerCase().replace(/_/g, '')

/**
 * A task's settings as a tenant holds them when the simulator's configuration creates it: what its
 * type's schema requires, `fullLoadOnly` from `continuous`, the project's variables placed where Qlik
 * puts them (task-type.<type>.databaseName, task.<id>.databaseName / taskSchema / internalSchema /
 * warehouseName), a target endpoint for replication, and the configuration's own settings on top.
 */
export function initialTaskSettings(
  task: { id: string; type: string; continuous: boolean; settings?: Record<string, unknown> },
  declared: readonly string[],
  targetVar: string | undefined
): Record<string, unknown> {
  const schema = settingsSchemaOf(task.type)
  const s: Record<string, unknown> = {}
  if (schema && defaultOf(schema, 'fullLoadOnly') !== undefined && CDC_TYPES.has(task.type))
    s.fullLoadOnly = !task.continuous
  const location: Record<string, unknown> = {}
  const warehouse: Record<string, unknown> = {}
  const pick = (suffix: string): string | undefined =>
    [`task.${task.id}.${suffix}`, `task-type.${typeKey(task.type)}.${suffix}`].find((v) =>
      declared.includes(v)
    )
  for (const key of ['databaseName', 'taskSchema', 'internalSchema']) {
    const v = pick(key)
    if (v) location[key] = `{{${v}}}`
  }
  const wh = pick('warehouseName')
  if (wh) warehouse.warehouseName = `{{${wh}}}`
  if (
    hasKey(schema, 'artifactsLocation') &&
    (Object.keys(location).length > 0 || needs(schema, 'artifactsLocation'))
  )
    s.artifactsLocation = location
  if (
    hasKey(schema, 'taskRuntime') &&
    (Object.keys(warehouse).length > 0 || needs(schema, 'taskRuntime'))
  )
    s.taskRuntime = { warehouseSelection: warehouse }
  if (targetVar && hasKey(schema, 'targetEndpoint')) {
    const endpoint = keysOf(`${schema}#/properties/targetEndpoint`)
    s.targetEndpoint = {
      targetConnection: `{{${targetVar}}}`,
      targetSchema: task.id,
      // required by the replication schema; an empty value means "none" (no staging storage)
      ...(endpoint.required.includes('targetStorageConnection')
        ? { targetStorageConnection: '' }
        : {})
    }
  }
  return { ...s, ...(task.settings ?? {}) }
}

/** A DATA_PIPELINE project's settings when the configuration creates it. */
export function initialProjectSettings(
  type: string,
  declared: readonly string[],
  extra: Record<string, unknown> = {}
): Record<string, unknown> {
  if (type !== 'DATA_PIPELINE') return {}
  const naming: Record<string, unknown> = {}
  if (declared.includes('project.current.prefixSchema'))
    naming.prefixSchema = '{{project.current.prefixSchema}}'
  return { ...(Object.keys(naming).length > 0 ? { artifactsNaming: naming } : {}), ...extra }
}

// ---------- export ----------

const json = (v: unknown): Uint8Array => strToU8(JSON.stringify(v, null, 2) + '\n')
const yaml = (v: unknown): Uint8Array => strToU8(toYaml(v, { lineWidth: 0 }))
const ref = (name: string): string => `{{${name}}}`

/** A model.yaml of about `bytes` bytes: relationships with hard-to-compress descriptions. */
export function modelYaml(taskId: string, datasets: string[], bytes: number): Uint8Array {
  const relationships: unknown[] = []
  let seed = 0x9e3779b9 ^ taskId.length
  let size = 0
  const a = datasets[0] ?? 'a'
  const b = datasets[1] ?? a
  while (size < bytes) {
    let desc = ''
    for (let i = 0; i < 48; i++) {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0
      desc += (seed >>> 28).toString(16)
    }
    const n = relationships.length
    relationships.push({
      id: `${taskId}-rel-${n}`,
      name: `${a}_${b}_${n}`,
      description: desc,
      sourceEntity: { datasetId: a },
      targetEntity: { datasetId: b },
      columnRelationships: []
    })
    size += 200
  }
  return yaml({ relationships })
}

function taskFolder(t: DataTask, used: Set<string>): string {
  // eslint-disable-next-line no-control-regex -- folder names must not carry control characters
  let name = t.name.replace(/[/\\\u0000-\u001f]/g, '_').trim() || t.id
  if (name === '.' || name === '..' || name === 'newTaskDefaults.yaml') name = t.id
  if (used.has(name)) name = `${name} (${t.id})`
  used.add(name)
  return name
}

/** Tasks that read from a source connection: no dataset files in a real export. */
const SOURCE_SIDE = new Set([
  'LANDING',
  'LAKE_LANDING',
  'REPLICATION',
  'REPLICATE_LANDING',
  'STREAMING_LAKE_LANDING'
])

/**
 * Build the ZIP the export endpoint answers with, as Qlik's exporter writes it today (the real
 * exports of July 2026 in ../shared/real-exports): task and platform types as the REST API names
 * them, the registry `qtcp_bindings_definition.json` with `variables` and `connectionProperties`,
 * `newTaskDefaults.yaml` for pipelines, source selections with `type: TABLE`, dataset files only
 * for tasks that make datasets. Same project, same mode: same bytes.
 */
// eslint-disable-next-line max-lines-per-function -- issue 33: to be split (known when the rule came in)
export function buildPackage(
  project: Project,
  mode: ExportMode,
  includeBindings: boolean,
  /** The connection type a binding value names in this tenant (connectionProperties). */
  connectionType: (value: string | null | undefined) => string | undefined = () => undefined
): Uint8Array {
  const files: Zippable = {}
  const registry = Object.fromEntries(project.declared.map((v) => [v, '']))
  const bindingsFile = {
    variables: Object.fromEntries(
      project.declared.map((v) => [v, project.bindings[v] === undefined ? '' : project.bindings[v]])
    )
  }
  const mtime = new Date(Date.UTC(2026, 0, 1))

  // a project that received a YAML import exports what it received, as Qlik does (MINIMAL and
  // ALL alike: the simulator keeps the files, not Qlik's full model of them)
  if (mode !== 'LEGACY' && project.definitionFiles) {
    const kept: Zippable = { ...project.definitionFiles }
    if (includeBindings) kept[BINDINGS_FILE] = json(bindingsFile)
    return zipSync(kept, { level: 6, mtime })
  }

  if (mode === 'LEGACY') {
    const legacyRef = (name: string): string => `{{variable:${name}}}`
    files[LEGACY_PROJECT_FILE] = json({
      version: 1,
      project: {
        name: project.name,
        type: project.type,
        platformType: project.platformType,
        description: project.description,
        ...Object.fromEntries(
          Object.entries(project.connectionVars).map(([role, v]) => [role, legacyRef(v as string)])
        ),
        settings: project.settings
      },
      tasks: project.tasks.map((t) => ({
        id: t.id,
        name: t.name,
        type: t.type,
        description: t.description,
        ...Object.fromEntries(
          Object.entries(t.connectionVars).map(([role, v]) => [role, legacyRef(v as string)])
        ),
        datasets: t.datasets.map((name) => ({ name })),
        settings: t.settings
      }))
    })
    files[LEGACY_REGISTRY_FILE] = json({ variables: registry })
    if (includeBindings) files[BINDINGS_FILE] = json(bindingsFile)
    return zipSync(files, { level: 6, mtime })
  }

  const all = mode === 'ALL'
  const platform = project.platformType === 'NONE' ? undefined : project.platformType
  const properties: Record<string, unknown> = {
    exportVersion: '1.0',
    name: project.declared.includes('projectName') ? ref('projectName') : project.name,
    space: 'ref{project.current.spaceId}',
    type: project.type,
    ...(platform !== undefined ? { platformType: platform } : {}),
    ...(all || project.description ? { description: project.description } : {}),
    ...Object.fromEntries(
      Object.entries(project.connectionVars).map(([role, v]) => [role, ref(v as string)])
    )
  }
  const projectDoc: Record<string, unknown> = { properties }
  if (project.type === 'DATA_PIPELINE') {
    projectDoc.settings = all
      ? fillDefaults(project.settings, PROJECT_SETTINGS_SCHEMA)
      : stripDefaults(project.settings, PROJECT_SETTINGS_SCHEMA)
  }
  files[PROJECT_FILE] = yaml(projectDoc)
  // as Qlik's exporter: connection types of the tasks' source and target connections only (real
  // exports never list platformConnection or cloudStagingConnection here; the schema allows no more)
  const connectionProperties = Object.fromEntries(
    project.declared
      .filter((v) => /^task\.[^.]+\.(sourceConnection|targetConnection)$/.test(v))
      .map((v) => [v, connectionType(project.bindings[v])] as const)
      .filter((x): x is readonly [string, string] => x[1] !== undefined)
      .map(([v, type]) => [v, { type }])
  )
  files[REGISTRY_FILE] = json({
    variables: registry,
    ...(Object.keys(connectionProperties).length ? { connectionProperties } : {})
  })
  if (includeBindings) files[BINDINGS_FILE] = json(bindingsFile)
  if (project.type === 'DATA_PIPELINE')
    files[NEW_TASK_DEFAULTS_FILE] = yaml({ storage: { hasLiveViews: false } })
  const folders = new Set<string>()
  for (const t of project.tasks) {
    const dir = `${TASKS_DIR}/${taskFolder(t, folders)}`
    const schema = settingsSchemaOf(t.type)
    const settings = schema
      ? all
        ? fillDefaults(t.settings, schema)
        : stripDefaults(t.settings, schema)
      : t.settings
    files[`${dir}/task.yaml`] = yaml({
      properties: {
        name: t.name,
        id: t.id,
        type: t.type,
        ...(all || t.description ? { description: t.description } : {})
      },
      settings
    })
    const source = t.connectionVars.sourceConnection
    const up = t.upstream
    if (source !== undefined || up || (all && t.datasets.length > 0)) {
      files[`${dir}/sourceSelection.yaml`] = yaml({
        ...(source !== undefined ? { sourceConnection: ref(source) } : {}),
        explicitlySelected: t.datasets.map((name) => ({
          ...(up ? { sourceProject: ref(up.projectVar), sourceTask: up.taskId } : {}),
          name,
          type: 'TABLE'
        }))
      })
    }
    // source-side tasks name their datasets in the source selection only, as real exports do
    if (!SOURCE_SIDE.has(t.type))
      for (const d of t.datasets)
        files[`${dir}/datasets/${d}.yaml`] = yaml({ properties: { id: d, name: d } })
    if (all) files[`${dir}/schedule.yaml`] = yaml({ scheduling: [] })
    if (t.modelBytes > 0) files[`${dir}/model.yaml`] = modelYaml(t.id, t.datasets, t.modelBytes)
  }
  return zipSync(files, { level: 6, mtime })
}

// ---------- import ----------

export interface PackageTask {
  id: string
  name: string
  type: string
  description: string
  connectionVars: DataTask['connectionVars']
  datasets: string[]
  settings: Record<string, unknown>
  upstream?: DataTask['upstream']
  /** Size of model.yaml (kept so an imported project exports the same way). */
  modelBytes: number
}

export interface PackageContent {
  format: 'YAML' | 'LEGACY'
  project: {
    name: string
    type: string
    platformType: string
    description: string
    settings: Record<string, unknown>
    connectionVars: Project['connectionVars']
  }
  tasks: PackageTask[]
  /** Every binding variable the package declares (its registry). */
  declared: string[]
  /** Values shipped in bindings.json (only with includeBindings). */
  bindings?: BindingValues
  files: string[]
  /** The YAML package's files as imported (bindings.json left out): what an export gives back. */
  definitionFiles?: Record<string, Uint8Array>
}

export class PackageError extends Error {
  override readonly name = 'PackageError'
}

export interface DefinitionReport {
  level: 'WARNING' | 'ERROR'
  path: string
  reason: string
}

/**
 * Read a package. Structural problems (not a ZIP, neither layout) throw PackageError; problems in
 * the definitions are returned as reports (what validate-project-definitions answers): schema
 * violations, undeclared variables, task folders without task.yaml, unknown types.
 */
export function readPackage(zip: Uint8Array): {
  content?: PackageContent
  reports: DefinitionReport[]
} {
  let parsed
  let unzipped: Record<string, Uint8Array>
  try {
    unzipped = unzipPackage(zip)
    parsed = parseDefinition(unzipped)
  } catch (e) {
    if (e instanceof PackageFormatError) throw new PackageError(e.message)
    throw e
  }
  const reports: DefinitionReport[] = parsed.problems.map((p) => ({
    level: p.level,
    path: p.file,
    reason: `${p.pointer ? `${p.pointer}: ` : ''}${p.message}`
  }))
  const def = parsed.definition
  // the YAML layout's reader checks types itself; LEGACY packages are checked here
  if (def?.format === 'LEGACY') {
    const where = LEGACY_PROJECT_FILE
    if (!(PROJECT_TYPES as readonly string[]).includes(def.project.type)) {
      reports.push({
        level: 'ERROR',
        path: where,
        reason: `Unknown project type '${def.project.type}'.`
      })
    }
    if (!(PLATFORM_TYPES as readonly string[]).includes(def.project.platformType)) {
      reports.push({
        level: 'ERROR',
        path: where,
        reason: `Unknown platform type '${def.project.platformType}'.`
      })
    }
  }
  if (!def || reports.some((r) => r.level === 'ERROR')) return { reports }
  const content: PackageContent = {
    format: def.format,
    project: {
      name: def.project.name ?? '',
      type: def.project.type,
      platformType: def.project.platformType,
      description: def.project.description,
      settings: def.project.settings,
      connectionVars: def.project.connectionVars
    },
    tasks: def.tasks.map((t) => ({
      id: t.id,
      name: t.name,
      type: t.type,
      description: t.description,
      connectionVars: t.connectionVars,
      datasets: t.datasets,
      settings: t.settings,
      ...(t.upstream ? { upstream: t.upstream } : {}),
      modelBytes: t.modelBytes
    })),
    declared: def.declared,
    files: def.files
  }
  if (def.format === 'YAML')
    content.definitionFiles = Object.fromEntries(
      Object.entries(unzipped).filter(([name]) => name !== BINDINGS_FILE)
    )
  if (def.shippedBindings) content.bindings = def.shippedBindings
  return { content, reports }
}

/** Import semantics: a setting the package carries replaces the current one; an absent one (MINIMAL) is kept. */
export function settingsToApply(
  current: Record<string, unknown>,
  fromPackage: Record<string, unknown>
): Record<string, unknown> {
  return { ...current, ...fromPackage }
}
