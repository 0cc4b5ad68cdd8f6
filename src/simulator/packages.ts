import { strFromU8, strToU8, unzipSync, zipSync, type Zippable } from 'fflate'
import { parse as parseYaml, stringify as toYaml } from 'yaml'
import { PLATFORM_TYPES, PROJECT_TYPES } from './config.js'
import type { BindingValues, DataTask, Project } from './state.js'

/**
 * Project packages as the simulator exports and imports them.
 * YAML modes (MINIMAL, ALL): qtcp_project.yaml, qtcp_bindings_definition.json, qtcp_tasks/<task>/...,
 * qtcp_tasks/newTaskDefaults.yaml, and bindings.json with includeBindings.
 * LEGACY: project.json and bindingsTemplate.json (and bindings.json with includeBindings).
 * A bound value is written as a reference to its variable: `{{variable:NAME}}`.
 */

export type ExportMode = 'MINIMAL' | 'ALL' | 'LEGACY'

export const DEFAULT_PROJECT_SETTINGS: Record<string, unknown> = {
  prefixSchema: false,
  timezone: 'UTC',
  historyEnabled: false
}
export const DEFAULT_TASK_SETTINGS: Record<string, unknown> = {
  loadMethod: 'FULL_LOAD',
  changeProcessing: false,
  parallelLoads: 4
}

export interface PackageTask {
  id: string
  name: string
  type: string
  description: string
  connectionVars: DataTask['connectionVars']
  datasets: string[]
  settings: Record<string, unknown>
  /** Size of model.yaml (kept so an imported project exports the same way). */
  modelBytes: number
}

export interface PackageContent {
  format: 'YAML' | 'LEGACY'
  exportMode?: ExportMode
  project: {
    name: string
    type: string
    platformType: string
    description: string
    settings: Record<string, unknown>
    connectionVars: Project['connectionVars']
  }
  tasks: PackageTask[]
  /** Every binding variable the package uses (its registry). */
  declared: string[]
  /** Values shipped in bindings.json (only with includeBindings). */
  bindings?: BindingValues
  files: string[]
}

export class PackageError extends Error {}

const ref = (name: string): string => `{{variable:${name}}}`
const REF = /^\{\{variable:(.+)\}\}$/
const refName = (value: unknown): string | undefined =>
  typeof value === 'string' ? REF.exec(value)?.[1] : undefined

function withoutDefaults(
  values: Record<string, unknown>,
  defaults: Record<string, unknown>
): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([k, v]) => defaults[k] !== v))
}

function taskSettings(t: DataTask): Record<string, unknown> {
  return {
    ...DEFAULT_TASK_SETTINGS,
    ...(t.continuous ? { changeProcessing: true } : {}),
    ...t.settings
  }
}

/** A model.yaml of about `bytes` bytes: column definitions with hard-to-compress descriptions. */
function modelYaml(taskId: string, bytes: number): Uint8Array {
  const out = new Uint8Array(bytes)
  const head = strToU8(`# model of ${taskId}\ncolumns:\n`)
  out.set(head.subarray(0, bytes))
  let seed = 0x9e3779b9 ^ taskId.length
  let pos = head.length
  let col = 0
  while (pos < bytes) {
    let desc = ''
    for (let i = 0; i < 48; i++) {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0
      desc += (seed >>> 28).toString(16)
    }
    const line = strToU8(`  - { name: c${col++}, type: VARCHAR, description: "${desc}" }\n`)
    out.set(line.subarray(0, Math.max(0, bytes - pos)), pos)
    pos += line.length
  }
  return out
}

const json = (v: unknown): Uint8Array => strToU8(JSON.stringify(v, null, 2))
const yaml = (v: unknown): Uint8Array => strToU8(toYaml(v))

/** Build the ZIP the export endpoint answers with. */
export function buildPackage(
  project: Project,
  mode: ExportMode,
  includeBindings: boolean
): Uint8Array {
  const files: Zippable = {}
  const registry = Object.fromEntries(project.declared.map((v) => [v, '']))
  const bindingsFile = {
    variables: Object.fromEntries(
      project.declared.map((v) => [v, project.bindings[v] === undefined ? '' : project.bindings[v]])
    )
  }
  const projectSettings = { ...DEFAULT_PROJECT_SETTINGS, ...project.settings }
  const projectConns = Object.fromEntries(
    Object.entries(project.connectionVars).map(([role, v]) => [role, ref(v as string)])
  )

  if (mode === 'LEGACY') {
    files['project.json'] = json({
      version: 1,
      project: {
        name: project.name,
        type: project.type,
        platformType: project.platformType,
        description: project.description,
        ...projectConns,
        settings: projectSettings
      },
      tasks: project.tasks.map((t) => ({
        id: t.id,
        name: t.name,
        type: t.type,
        description: t.description,
        ...Object.fromEntries(
          Object.entries(t.connectionVars).map(([role, v]) => [role, ref(v as string)])
        ),
        datasets: t.datasets.map((name) => ({ name })),
        settings: taskSettings(t)
      }))
    })
    files['bindingsTemplate.json'] = json({ variables: registry })
    if (includeBindings) files['bindings.json'] = json(bindingsFile)
    return zipSync(files, { level: 6, mtime: new Date(Date.UTC(2026, 0, 1)) })
  }

  const all = mode === 'ALL'
  const projectDoc: Record<string, unknown> = {
    name: ref('projectName'),
    type: project.type,
    platformType: project.platformType,
    ...(all || project.description ? { description: project.description } : {}),
    ...projectConns,
    settings: all ? projectSettings : withoutDefaults(projectSettings, DEFAULT_PROJECT_SETTINGS)
  }
  files['qtcp_project.yaml'] = yaml({ formatVersion: '1.0', exportMode: mode, project: projectDoc })
  files['qtcp_bindings_definition.json'] = json({ variables: registry })
  if (includeBindings) files['bindings.json'] = json(bindingsFile)
  files['qtcp_tasks/newTaskDefaults.yaml'] = yaml({ settings: DEFAULT_TASK_SETTINGS })
  for (const t of project.tasks) {
    const dir = `qtcp_tasks/${t.id}`
    const settings = taskSettings(t)
    files[`${dir}/task.yaml`] = yaml({
      id: t.id,
      name: t.name,
      type: t.type,
      ...(all || t.description ? { description: t.description } : {}),
      ...Object.fromEntries(
        Object.entries(t.connectionVars).map(([role, v]) => [role, ref(v as string)])
      ),
      settings: all ? settings : withoutDefaults(settings, DEFAULT_TASK_SETTINGS)
    })
    if (t.datasets.length > 0 || all) {
      files[`${dir}/sourceSelection.yaml`] = yaml({
        datasets: t.datasets.map((name) => ({ name }))
      })
      for (const d of t.datasets)
        files[`${dir}/datasets/${d}.yaml`] = yaml({ name: d, columns: [] })
    }
    if (all) files[`${dir}/schedule.yaml`] = yaml({ schedule: { enabled: false } })
    if (t.modelBytes > 0) files[`${dir}/model.yaml`] = modelYaml(t.id, t.modelBytes)
  }
  return zipSync(files, { level: 6, mtime: new Date(Date.UTC(2026, 0, 1)) })
}

export interface DefinitionReport {
  level: 'WARNING' | 'ERROR'
  path: string
  reason: string
}

function unzip(zip: Uint8Array): Record<string, Uint8Array> {
  if (zip.length < 22 || zip[0] !== 0x50 || zip[1] !== 0x4b) {
    throw new PackageError('The uploaded file is not a ZIP archive.')
  }
  try {
    return unzipSync(zip)
  } catch (e) {
    throw new PackageError(`The ZIP archive is corrupt or truncated (${(e as Error).message}).`)
  }
}

const asRecord = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {}

function readDoc(
  files: Record<string, Uint8Array>,
  path: string,
  reports: DefinitionReport[]
): Record<string, unknown> | undefined {
  const data = files[path]
  if (!data) return undefined
  try {
    const text = strFromU8(data)
    const doc: unknown = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text)
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
      reports.push({ level: 'ERROR', path, reason: 'The file must contain a mapping.' })
      return undefined
    }
    return doc as Record<string, unknown>
  } catch (e) {
    reports.push({ level: 'ERROR', path, reason: `Cannot parse file: ${(e as Error).message}` })
    return undefined
  }
}

function connectionVarsOf<K extends string>(
  doc: Record<string, unknown>,
  roles: readonly K[]
): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {}
  for (const role of roles) {
    const name = refName(doc[role])
    if (name !== undefined) out[role] = name
  }
  return out
}

const datasetNames = (v: unknown): string[] =>
  Array.isArray(v)
    ? v.map((d) => asRecord(d).name).filter((n): n is string => typeof n === 'string')
    : []

/**
 * Read a package. Structural problems (not a ZIP, neither format) throw PackageError; problems in
 * the definitions are returned as reports (what validate-project-definitions answers).
 */
export function readPackage(zip: Uint8Array): {
  content?: PackageContent
  reports: DefinitionReport[]
} {
  const files = unzip(zip)
  const names = Object.keys(files).filter((n) => !n.endsWith('/'))
  const reports: DefinitionReport[] = []
  const yamlFormat = 'qtcp_project.yaml' in files
  if (!yamlFormat && !('project.json' in files)) {
    throw new PackageError(
      'The archive is not a data integration project package: it has neither qtcp_project.yaml nor project.json.'
    )
  }
  const registryPath = yamlFormat ? 'qtcp_bindings_definition.json' : 'bindingsTemplate.json'
  const registryDoc = readDoc(files, registryPath, reports)
  if (!(registryPath in files)) {
    reports.push({ level: 'WARNING', path: registryPath, reason: 'No bindings registry found.' })
  }
  const declared = Object.keys(asRecord(registryDoc?.variables))
  const bindingsDoc = readDoc(files, 'bindings.json', reports)
  const bindings = bindingsDoc
    ? (Object.fromEntries(
        Object.entries(asRecord(bindingsDoc.variables)).map(([k, v]) => [
          k,
          typeof v === 'string' ? v : null
        ])
      ) as BindingValues)
    : undefined

  let project: PackageContent['project'] | undefined
  const tasks: PackageTask[] = []
  let exportMode: ExportMode | undefined

  if (!yamlFormat) {
    reports.push({
      level: 'WARNING',
      path: 'project.json',
      reason: 'LEGACY (JSON) packages are deprecated; export with mode MINIMAL or ALL.'
    })
    exportMode = 'LEGACY'
    const doc = readDoc(files, 'project.json', reports)
    if (doc) {
      const p = asRecord(doc.project)
      project = {
        name: String(p.name ?? ''),
        type: String(p.type ?? ''),
        platformType: String(p.platformType ?? ''),
        description: String(p.description ?? ''),
        settings: asRecord(p.settings),
        connectionVars: connectionVarsOf(p, ['platformConnection', 'cloudStagingConnection'])
      }
      const list = Array.isArray(doc.tasks) ? doc.tasks : []
      list.forEach((raw, i) => {
        const t = asRecord(raw)
        if (typeof t.id !== 'string' || typeof t.name !== 'string') {
          reports.push({
            level: 'ERROR',
            path: `project.json#/tasks/${i}`,
            reason: 'Task needs id and name.'
          })
          return
        }
        const settings = asRecord(t.settings)
        tasks.push({
          id: t.id,
          name: t.name,
          type: String(t.type ?? 'LANDING'),
          description: String(t.description ?? ''),
          connectionVars: connectionVarsOf(t, ['sourceConnection', 'targetConnection']),
          datasets: datasetNames(t.datasets),
          settings,
          modelBytes: 0
        })
      })
    }
  } else {
    const doc = readDoc(files, 'qtcp_project.yaml', reports)
    if (doc) {
      const p = asRecord(doc.project)
      const mode = doc.exportMode
      if (mode === 'MINIMAL' || mode === 'ALL') exportMode = mode
      if (!('settings' in p)) {
        reports.push({
          level: 'ERROR',
          path: 'qtcp_project.yaml',
          reason: "Missing required attribute 'settings'."
        })
      }
      project = {
        name: refName(p.name) === 'projectName' ? '' : String(p.name ?? ''),
        type: String(p.type ?? ''),
        platformType: String(p.platformType ?? ''),
        description: String(p.description ?? ''),
        settings: asRecord(p.settings),
        connectionVars: connectionVarsOf(p, ['platformConnection', 'cloudStagingConnection'])
      }
    }
    const taskDirs = [
      ...new Set(
        names
          .map((n) => /^qtcp_tasks\/([^/]+)\//.exec(n)?.[1])
          .filter((d): d is string => d !== undefined)
      )
    ]
    for (const dir of taskDirs) {
      const path = `qtcp_tasks/${dir}/task.yaml`
      if (!(path in files)) {
        reports.push({
          level: 'ERROR',
          path: `qtcp_tasks/${dir}`,
          reason: 'Task folder without task.yaml.'
        })
        continue
      }
      const t = readDoc(files, path, reports)
      if (!t) continue
      if (!('settings' in t)) {
        reports.push({ level: 'ERROR', path, reason: "Missing required attribute 'settings'." })
      }
      if (typeof t.id !== 'string' || typeof t.name !== 'string') {
        reports.push({ level: 'ERROR', path, reason: "Task needs 'id' and 'name'." })
        continue
      }
      const selection = readDoc(files, `qtcp_tasks/${dir}/sourceSelection.yaml`, reports)
      const model = files[`qtcp_tasks/${dir}/model.yaml`]
      const settings = asRecord(t.settings)
      tasks.push({
        id: t.id,
        name: t.name,
        type: String(t.type ?? 'LANDING'),
        description: String(t.description ?? ''),
        connectionVars: connectionVarsOf(t, ['sourceConnection', 'targetConnection']),
        datasets: datasetNames(selection?.datasets),
        settings,
        modelBytes: model?.length ?? 0
      })
    }
  }

  if (project) {
    const where = yamlFormat ? 'qtcp_project.yaml' : 'project.json'
    if (!(PROJECT_TYPES as readonly string[]).includes(project.type)) {
      reports.push({
        level: 'ERROR',
        path: where,
        reason: `Unknown project type '${project.type}'.`
      })
    }
    if (!(PLATFORM_TYPES as readonly string[]).includes(project.platformType)) {
      reports.push({
        level: 'ERROR',
        path: where,
        reason: `Unknown platform type '${project.platformType}'.`
      })
    }
    // Every variable referenced in the definitions must be in the registry.
    const used = [
      ...Object.values(project.connectionVars),
      ...tasks.flatMap((t) => Object.values(t.connectionVars))
    ] as string[]
    for (const v of used) {
      if (!declared.includes(v)) {
        reports.push({
          level: 'ERROR',
          path: registryPath,
          reason: `Variable '${v}' is used but not declared.`
        })
      }
    }
  }
  const known =
    /^(qtcp_project\.yaml|qtcp_bindings_definition\.json|bindings\.json|project\.json|bindingsTemplate\.json|qtcp_tasks\/.*)$/
  for (const n of names) {
    if (!known.test(n))
      reports.push({ level: 'WARNING', path: n, reason: 'Unexpected file; it is ignored.' })
  }
  if (!project || reports.some((r) => r.level === 'ERROR')) return { reports }
  const content: PackageContent = {
    format: yamlFormat ? 'YAML' : 'LEGACY',
    project,
    tasks,
    declared,
    files: names
  }
  if (exportMode) content.exportMode = exportMode
  if (bindings) content.bindings = bindings
  return { content, reports }
}

/** Import semantics: a setting the package carries replaces the current one; an absent one (MINIMAL) is kept. */
export function settingsToApply(
  current: Record<string, unknown>,
  fromPackage: Record<string, unknown>
): Record<string, unknown> {
  return { ...current, ...fromPackage }
}
