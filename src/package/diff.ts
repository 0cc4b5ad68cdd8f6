import type { ProjectDefinition, TaskDefinition } from './layout.js'
import { fillDefaults, PROJECT_SETTINGS_SCHEMA, settingsSchemaOf } from './schemas.js'

/**
 * What a release changes: the package against what the target project holds now (its export).
 * Settings are compared with the schema's defaults filled in on both sides, so a MINIMAL package
 * (defaults left out) and an ALL export of the same project compare equal.
 */

export interface SettingChange {
  /** JSON pointer inside the settings, e.g. /taskRuntime/tableUpdateConcurrency */
  path: string
  from?: unknown
  to?: unknown
}

export interface TaskRef {
  id: string
  name: string
  type: string
  datasets: number
}

export interface TaskChange {
  id: string
  name: string
  type: string
  /** The name on the target, when the package renames the task. */
  renamedFrom?: string
  /** The type on the target, when it differs (Qlik refuses such an import). */
  typeFrom?: string
  settings: SettingChange[]
  datasetsAdded: string[]
  datasetsRemoved: string[]
  /** Connection roles whose variable changed (sourceConnection, targetConnection). */
  connections: string[]
  /** Files of the task folder whose content differs (a dataset's columns, the model, rules...). */
  files: string[]
  /** The description differs. */
  descriptionChanged?: boolean
}

export interface ReleaseDiff {
  /** false when the target project does not exist yet: everything is added. */
  targetExists: boolean
  project: {
    settings: SettingChange[]
    descriptionChanged: boolean
  }
  tasks: {
    added: TaskRef[]
    removed: TaskRef[]
    changed: TaskChange[]
    unchanged: string[]
  }
  /** Variables the package declares that the target's package did not, and the reverse. */
  variables: { added: string[]; removed: string[] }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v)

const escapePointer = (k: string): string => k.replace(/~/g, '~0').replace(/\//g, '~1')

/** Every leaf of a settings object by its JSON pointer (an array is a leaf, as diffSettings sees it). */
export function settingLeaves(
  v: Record<string, unknown>,
  base = '',
  out: Record<string, unknown> = {}
): Record<string, unknown> {
  for (const k of Object.keys(v)) {
    const path = `${base}/${escapePointer(k)}`
    const x = v[k]
    if (isObject(x)) settingLeaves(x, path, out)
    else if (x !== undefined) out[path] = x
  }
  return out
}

/** Leaf by leaf differences of two settings objects. */
export function diffSettings(
  from: Record<string, unknown>,
  to: Record<string, unknown>,
  base = ''
): SettingChange[] {
  const out: SettingChange[] = []
  const keys = [...new Set([...Object.keys(from), ...Object.keys(to)])].sort()
  for (const k of keys) {
    const path = `${base}/${escapePointer(k)}`
    const a = from[k]
    const b = to[k]
    if (isObject(a) && isObject(b)) {
      out.push(...diffSettings(a, b, path))
      continue
    }
    if (JSON.stringify(a) === JSON.stringify(b)) continue
    out.push({
      path,
      ...(a !== undefined ? { from: a } : {}),
      ...(b !== undefined ? { to: b } : {})
    })
  }
  return out
}

/** A task's settings with its schema's defaults filled in, as the release diff compares them. */
export const effective = (t: TaskDefinition): Record<string, unknown> => {
  const schema = settingsSchemaOf(t.type)
  return schema ? fillDefaults(t.settings, schema) : t.settings
}

const ref = (t: TaskDefinition): TaskRef => ({
  id: t.id,
  name: t.name,
  type: t.type,
  datasets: t.datasets.length
})

/** Files present on one side only or with another content (both sides must have been read). */
function changedFiles(
  from: Record<string, string> | undefined,
  to: Record<string, string> | undefined
): string[] {
  if (!from || !to) return []
  return (
    [...new Set([...Object.keys(from), ...Object.keys(to)])]
      // a dataset on one side only is in datasetsAdded / datasetsRemoved already
      .filter(
        (f) =>
          from[f] !== to[f] &&
          !(f.startsWith('datasets/') && (from[f] === undefined || to[f] === undefined))
      )
      .sort()
  )
}

/** The project's settings as the release diff compares them (a pipeline's defaults filled in). */
export const projectSettings = (d: ProjectDefinition | undefined): Record<string, unknown> =>
  d && d.project.type === 'DATA_PIPELINE'
    ? fillDefaults(d.project.settings, PROJECT_SETTINGS_SCHEMA)
    : (d?.project.settings ?? {})

export function diffDefinitions(
  current: ProjectDefinition | undefined,
  next: ProjectDefinition
): ReleaseDiff {
  const before = current?.tasks ?? []
  const byId = new Map(before.map((t) => [t.id, t]))
  const nextIds = new Set(next.tasks.map((t) => t.id))
  // declared variables as sets: a package may declare thousands
  const declaredBefore = new Set(current?.declared ?? [])
  const declaredAfter = new Set(next.declared)
  const changed: TaskChange[] = []
  const unchanged: string[] = []
  const added: TaskRef[] = []
  for (const t of next.tasks) {
    const old = byId.get(t.id)
    if (!old) {
      added.push(ref(t))
      continue
    }
    const c: TaskChange = {
      id: t.id,
      name: t.name,
      type: t.type,
      settings: diffSettings(effective(old), effective(t)),
      datasetsAdded: t.datasets.filter((d) => !old.datasets.includes(d)),
      datasetsRemoved: old.datasets.filter((d) => !t.datasets.includes(d)),
      connections: (['sourceConnection', 'targetConnection'] as const).filter(
        (r) => old.connectionVars[r] !== t.connectionVars[r]
      ),
      files: changedFiles(old.contents, t.contents)
    }
    if (old.name !== t.name) c.renamedFrom = old.name
    if (old.description !== t.description) c.descriptionChanged = true
    if (old.type !== t.type) c.typeFrom = old.type
    const any =
      c.settings.length ||
      c.datasetsAdded.length ||
      c.datasetsRemoved.length ||
      c.connections.length ||
      c.files.length ||
      c.descriptionChanged ||
      c.renamedFrom !== undefined ||
      c.typeFrom !== undefined
    if (any) changed.push(c)
    else unchanged.push(t.id)
  }
  return {
    targetExists: current !== undefined,
    project: {
      settings: current ? diffSettings(projectSettings(current), projectSettings(next)) : [],
      descriptionChanged:
        current !== undefined &&
        next.project.description !== '' &&
        current.project.description !== next.project.description
    },
    tasks: {
      added,
      removed: before.filter((t) => !nextIds.has(t.id)).map(ref),
      changed,
      unchanged
    },
    variables: {
      added: next.declared.filter((v) => !declaredBefore.has(v)),
      removed: [...declaredBefore].filter((v) => !declaredAfter.has(v))
    }
  }
}
