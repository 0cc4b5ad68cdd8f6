import { strFromU8, unzipSync } from 'fflate'
import { isMap, isSeq, LineCounter, parseDocument } from 'yaml'
import { normalizePlatform, taskTypeForApi } from './enums.js'
import { schemaFor, validateDocument } from './schemas.js'

/**
 * Qlik's project package layout (qlik.dev "Declarative pipelines -> Project structure reference";
 * JSON Schemas in vendor/qlik-oss-schemas): one parser for the simulator's import, the offline
 * `validate` command, projects as code (package-dir) and the release plan.
 *
 *   qtcp_project.yaml                  properties: {exportVersion, name, space, type, platformType,
 *                                      platformConnection, ...}; settings: (DATA_PIPELINE)
 *   qtcp_bindings_definition.json      {variables: {name: ""}, taskProperties, ...}
 *   bindings.json                      values (only in exports with includeBindings)
 *   qtcp_tasks/newTaskDefaults.yaml
 *   qtcp_tasks/<task name>/task.yaml   properties: {name, id, type, description}; settings:
 *   qtcp_tasks/<task name>/sourceSelection.yaml, schedule.yaml, model.yaml, transformationRules.yaml,
 *                          datasets/<name>.yaml, transformationDataFlows/<name>.yaml
 *
 * LEGACY packages (project.json + bindingsTemplate.json, deprecated by Qlik) are read too.
 */

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

export class PackageFormatError extends Error {}

export interface Problem {
  level: 'ERROR' | 'WARNING'
  /** Path inside the package (or the folder), '/'-separated. */
  file: string
  /** JSON pointer into the file, '' for the file itself. */
  pointer: string
  message: string
  /** 1-based line of the pointer in the file, when it can be found. */
  line?: number
}

export const formatProblem = (p: Problem): string =>
  `${p.file}${p.line !== undefined ? `:${p.line}` : ''}: ${p.pointer || '/'}: ${p.message}`

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
  /** Values of bindings.json, when the package ships one. */
  shippedBindings?: Record<string, string | null>
  files: string[]
}

/** Unzip a package; structural problems (not a ZIP, corrupt) throw PackageFormatError. */
export function unzipPackage(zip: Uint8Array): FileMap {
  if (zip.length < 22 || zip[0] !== 0x50 || zip[1] !== 0x4b) {
    throw new PackageFormatError('The package is not a ZIP archive (it does not start with "PK").')
  }
  try {
    const files = unzipSync(zip)
    for (const name of Object.keys(files)) if (name.endsWith('/')) delete files[name]
    return files
  } catch (e) {
    throw new PackageFormatError(
      `The package ZIP is corrupt or truncated (${(e as Error).message}).`
    )
  }
}

/** `{{name}}` in a YAML value: a binding variable. `{{id(...)}}` and `{{ref(...)}}` are not. */
const VARIABLE = /\{\{\s*([^{}()\s]+)\s*\}\}/g
/** A value that is exactly one variable reference. */
export function variableOf(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined
  const m = /^\{\{\s*([^{}()\s]+)\s*\}\}$/.exec(value)
  return m?.[1]
}
/** LEGACY packages wrote `{{variable:NAME}}`. */
const legacyVariableOf = (value: unknown): string | undefined =>
  typeof value === 'string' ? /^\{\{variable:(.+)\}\}$/.exec(value)?.[1] : undefined

const asRecord = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {}

function pointerPath(pointer: string): string[] {
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
}

/** The 1-based line of a JSON pointer in YAML text (the deepest node that exists). */
export function lineOfPointer(text: string, pointer: string): number | undefined {
  const counter = new LineCounter()
  const doc = parseDocument(text, { lineCounter: counter })
  let node: unknown = doc.contents
  let offset: number | undefined = (node as { range?: number[] } | null)?.range?.[0]
  for (const part of pointerPath(pointer)) {
    if (isMap(node)) {
      const pair = node.items.find((i) => String((i.key as { value?: unknown })?.value) === part)
      if (!pair) break
      offset = (pair.key as { range?: number[] })?.range?.[0] ?? offset
      node = pair.value
    } else if (isSeq(node)) {
      const item = node.items[Number(part)]
      if (!item) break
      offset = (item as { range?: number[] }).range?.[0] ?? offset
      node = item
    } else break
  }
  return offset === undefined ? undefined : counter.linePos(offset).line
}

interface Parsed {
  doc?: Record<string, unknown>
  text?: string
}

function parseFile(files: FileMap, path: string, problems: Problem[]): Parsed {
  const data = files[path]
  if (!data) return {}
  const text = strFromU8(data)
  try {
    if (path.endsWith('.json')) {
      const doc: unknown = JSON.parse(text)
      if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
        problems.push({ level: 'ERROR', file: path, pointer: '', message: 'must be a JSON object' })
        return { text }
      }
      return { doc: doc as Record<string, unknown>, text }
    }
    const parsed = parseDocument(text, { prettyErrors: true })
    if (parsed.errors.length > 0) {
      const err = parsed.errors[0] as { message: string; linePos?: { line: number }[] }
      const problem: Problem = {
        level: 'ERROR',
        file: path,
        pointer: '',
        message: `is not valid YAML: ${err.message.split('\n')[0]}`
      }
      const line = err.linePos?.[0]?.line
      if (line !== undefined) problem.line = line
      problems.push(problem)
      return { text }
    }
    const doc: unknown = parsed.toJS()
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
      problems.push({ level: 'ERROR', file: path, pointer: '', message: 'must be a YAML mapping' })
      return { text }
    }
    return { doc: doc as Record<string, unknown>, text }
  } catch (e) {
    problems.push({
      level: 'ERROR',
      file: path,
      pointer: '',
      message: `is not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(e as Error).message}`
    })
    return { text }
  }
}

function schemaProblems(path: string, parsed: Parsed, problems: Problem[]): void {
  const schema = schemaFor(path)
  if (!schema || !parsed.doc) return
  for (const p of validateDocument(schema, parsed.doc)) {
    const problem: Problem = { level: 'ERROR', file: path, pointer: p.pointer, message: p.message }
    if (parsed.text !== undefined && !path.endsWith('.json')) {
      const line = lineOfPointer(parsed.text, p.pointer)
      if (line !== undefined) problem.line = line
    }
    problems.push(problem)
  }
}

/** Every `{{variable}}` used in a document, with the pointer of its first use. */
function variablesUsed(node: unknown, pointer: string, out: Map<string, string>): void {
  if (typeof node === 'string') {
    for (const m of node.matchAll(VARIABLE)) {
      const name = m[1] as string
      if (!out.has(name)) out.set(name, pointer)
    }
  } else if (Array.isArray(node)) {
    node.forEach((v, i) => variablesUsed(v, `${pointer}/${i}`, out))
  } else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node))
      variablesUsed(v, `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, out)
  }
}

function registryOf(
  parsed: Parsed,
  path: string,
  problems: Problem[]
): Record<string, unknown> | undefined {
  if (!parsed.doc) return undefined
  const vars = parsed.doc.variables
  if (vars === null || typeof vars !== 'object' || Array.isArray(vars)) {
    problems.push({
      level: 'ERROR',
      file: path,
      pointer: '/variables',
      message: 'must be an object of variable names'
    })
    return undefined
  }
  return vars as Record<string, unknown>
}

const KNOWN_TASK_FILE =
  /^(task\.yaml|sourceSelection\.yaml|schedule\.yaml|model\.yaml|transformationRules\.yaml|datasets\/[^/]+\.yaml|transformationDataFlows\/[^/]+\.yaml)$/

/**
 * Read and check a package's files. Problems are every schema violation (vendored schemas), every
 * `{{variable}}` used but not declared in the registry, task folders without task.yaml, unreadable
 * files; a definition is returned whenever the project file could be read, even with problems.
 */
export function parseDefinition(files: FileMap): {
  definition?: ProjectDefinition
  problems: Problem[]
} {
  const names = Object.keys(files).sort()
  const problems: Problem[] = []
  const byPlace = (r: { definition?: ProjectDefinition; problems: Problem[] }) => {
    // file by file, line by line: the order a reader fixes them in
    r.problems.sort((a, b) =>
      a.file === b.file ? (a.line ?? 0) - (b.line ?? 0) : a.file < b.file ? -1 : 1
    )
    return r
  }
  if (PROJECT_FILE in files) return byPlace(parseYamlLayout(files, names, problems))
  if (LEGACY_PROJECT_FILE in files) return byPlace(parseLegacy(files, names, problems))
  throw new PackageFormatError(
    `This is not a data integration project package: it has neither ${PROJECT_FILE} nor ${LEGACY_PROJECT_FILE} at its root.`
  )
}

function parseYamlLayout(
  files: FileMap,
  names: string[],
  problems: Problem[]
): { definition?: ProjectDefinition; problems: Problem[] } {
  const used = new Map<string, { file: string; pointer: string }>()
  // each file is parsed and checked once; later reads of it take the parsed document
  const seen = new Map<string, Parsed>()
  const parseChecked = (path: string): Parsed => {
    const known = seen.get(path)
    if (known) return known
    const parsed = parseFile(files, path, problems)
    seen.set(path, parsed)
    schemaProblems(path, parsed, problems)
    if (parsed.doc && path.endsWith('.yaml')) {
      const here = new Map<string, string>()
      variablesUsed(parsed.doc, '', here)
      for (const [v, pointer] of here) if (!used.has(v)) used.set(v, { file: path, pointer })
    }
    return parsed
  }

  const projectParsed = parseChecked(PROJECT_FILE)
  const registryParsed = parseChecked(REGISTRY_FILE)
  if (!(REGISTRY_FILE in files)) {
    problems.push({
      level: 'ERROR',
      file: REGISTRY_FILE,
      pointer: '',
      message: 'is missing: every package declares its binding variables there'
    })
  }
  const registry = registryOf(registryParsed, REGISTRY_FILE, problems) ?? {}
  // bindings.json is informative (Qlik takes the target's values from the bindings API, never from
  // this file): its schema problems are warnings, not reasons to refuse the package
  const before = problems.length
  const bindingsParsed = parseChecked(BINDINGS_FILE)
  for (const p of problems.slice(before)) if (p.file === BINDINGS_FILE) p.level = 'WARNING'
  const shipped = registryOf(bindingsParsed, BINDINGS_FILE, problems)
  if (NEW_TASK_DEFAULTS_FILE in files) parseChecked(NEW_TASK_DEFAULTS_FILE)

  const props = asRecord(projectParsed.doc?.properties)
  const projectConns: ProjectDefinition['project']['connectionVars'] = {}
  for (const role of ['platformConnection', 'cloudStagingConnection'] as const) {
    const v = variableOf(props[role])
    if (v !== undefined) projectConns[role] = v
  }
  const nameVar = variableOf(props.name)
  const project: ProjectDefinition['project'] = {
    type: typeof props.type === 'string' ? props.type : '',
    platformType:
      normalizePlatform(typeof props.platformType === 'string' ? props.platformType : undefined) ??
      'NONE',
    description: typeof props.description === 'string' ? props.description : '',
    settings: asRecord(projectParsed.doc?.settings),
    connectionVars: projectConns
  }
  if (typeof props.name === 'string' && nameVar === undefined) project.name = props.name

  const tasks: TaskDefinition[] = []
  const folders = [
    ...new Set(
      names
        .map((n) => new RegExp(`^${TASKS_DIR}/([^/]+)/`).exec(n)?.[1])
        .filter((d): d is string => d !== undefined)
    )
  ]
  const ids = new Map<string, string>()
  for (const folder of folders) {
    const dir = `${TASKS_DIR}/${folder}`
    const taskFile = `${dir}/task.yaml`
    for (const n of names.filter((x) => x.startsWith(`${dir}/`))) {
      const rest = n.slice(dir.length + 1)
      if (rest === 'task.yaml') continue
      if (!KNOWN_TASK_FILE.test(rest)) {
        problems.push({
          level: 'WARNING',
          file: n,
          pointer: '',
          message: 'is not part of the package layout; it is ignored'
        })
      } else parseChecked(n)
    }
    if (!(taskFile in files)) {
      problems.push({
        level: 'ERROR',
        file: dir,
        pointer: '',
        message: 'task folder without task.yaml (every folder under qtcp_tasks/ is one task)'
      })
      continue
    }
    const t = parseChecked(taskFile)
    if (!t.doc) continue
    const tp = asRecord(t.doc.properties)
    if (typeof tp.id !== 'string' || tp.id === '') {
      problems.push({
        level: 'ERROR',
        file: taskFile,
        pointer: '/properties',
        message: "needs 'id': the import matches tasks by id",
        ...(t.text ? { line: lineOfPointer(t.text, '/properties') } : {})
      } as Problem)
      continue
    }
    const other = ids.get(tp.id)
    if (other !== undefined) {
      problems.push({
        level: 'ERROR',
        file: taskFile,
        pointer: '/properties/id',
        message: `task id '${tp.id}' is also used by ${other}`
      })
      continue
    }
    ids.set(tp.id, taskFile)
    const settings = asRecord(t.doc.settings)
    const selection = seen.get(`${dir}/sourceSelection.yaml`) ?? {}
    const connectionVars: TaskDefinition['connectionVars'] = {}
    const source = variableOf(selection.doc?.sourceConnection)
    if (source !== undefined) connectionVars.sourceConnection = source
    const target = variableOf(asRecord(settings.targetEndpoint).targetConnection)
    if (target !== undefined) connectionVars.targetConnection = target
    const datasetFiles = names.filter((n) =>
      new RegExp(`^${escape(dir)}/datasets/[^/]+\\.yaml$`).test(n)
    )
    // the source selection's order first, then the dataset files (sorted) it does not name
    const selected = Array.isArray(selection.doc?.explicitlySelected)
      ? (selection.doc.explicitlySelected as unknown[])
          .map((d) => asRecord(d).name)
          .filter((n): n is string => typeof n === 'string')
      : []
    const fromFiles = datasetFiles.map((n) => {
      const d = seen.get(n) ?? {}
      const name = asRecord(d.doc?.properties).name
      return typeof name === 'string' ? name : (n.split('/').pop() as string).replace(/\.yaml$/, '')
    })
    const datasets = [...new Set([...selected, ...fromFiles])]
    const cross = (
      Array.isArray(selection.doc?.explicitlySelected) ? selection.doc.explicitlySelected : []
    )
      .map((d) => asRecord(d))
      .find((d) => variableOf(d.sourceProject) !== undefined)
    tasks.push({
      ...(cross
        ? {
            upstream: {
              projectVar: variableOf(cross.sourceProject) as string,
              taskId: typeof cross.sourceTask === 'string' ? cross.sourceTask : ''
            }
          }
        : {}),
      id: tp.id,
      name: typeof tp.name === 'string' ? tp.name : folder,
      type: taskTypeForApi(typeof tp.type === 'string' ? tp.type : ''),
      description: typeof tp.description === 'string' ? tp.description : '',
      folder,
      connectionVars,
      datasets,
      settings,
      modelBytes: files[`${dir}/model.yaml`]?.length ?? 0
    })
  }
  for (const n of names) {
    if (n === PROJECT_FILE || n === REGISTRY_FILE || n === BINDINGS_FILE) continue
    if (n.startsWith(`${TASKS_DIR}/`)) {
      if (n !== NEW_TASK_DEFAULTS_FILE && !/^qtcp_tasks\/[^/]+\//.test(n))
        problems.push({
          level: 'WARNING',
          file: n,
          pointer: '',
          message: 'is not part of the package layout; it is ignored'
        })
      continue
    }
    problems.push({
      level: 'WARNING',
      file: n,
      pointer: '',
      message: 'is not part of the package layout; it is ignored'
    })
  }
  for (const [v, where] of used) {
    if (!(v in registry)) {
      const problem: Problem = {
        level: 'ERROR',
        file: where.file,
        pointer: where.pointer,
        message: `uses the variable {{${v}}}, which ${REGISTRY_FILE} does not declare`
      }
      const text = files[where.file] ? strFromU8(files[where.file] as Uint8Array) : undefined
      const line = text ? lineOfPointer(text, where.pointer) : undefined
      if (line !== undefined) problem.line = line
      problems.push(problem)
    }
  }
  if (!projectParsed.doc) return { problems }
  // the registry lists tasks in the project's order; folders come sorted by name
  const order = Object.keys(asRecord(registryParsed.doc?.taskProperties))
  const rank = (id: string): number => (order.includes(id) ? order.indexOf(id) : order.length)
  tasks.sort((a, b) => rank(a.id) - rank(b.id))
  const definition: ProjectDefinition = {
    format: 'YAML',
    project,
    tasks,
    declared: Object.keys(registry),
    files: names
  }
  if (shipped) definition.shippedBindings = stringValues(shipped)
  return { definition, problems }
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

const stringValues = (vars: Record<string, unknown>): Record<string, string | null> =>
  Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, typeof v === 'string' ? v : null]))

function parseLegacy(
  files: FileMap,
  names: string[],
  problems: Problem[]
): { definition?: ProjectDefinition; problems: Problem[] } {
  problems.push({
    level: 'WARNING',
    file: LEGACY_PROJECT_FILE,
    pointer: '',
    message:
      'LEGACY (JSON) packages are deprecated by Qlik and will be removed; export with mode MINIMAL or ALL'
  })
  const doc = parseFile(files, LEGACY_PROJECT_FILE, problems).doc
  const registry =
    registryOf(parseFile(files, LEGACY_REGISTRY_FILE, problems), LEGACY_REGISTRY_FILE, problems) ??
    {}
  const shipped = registryOf(parseFile(files, BINDINGS_FILE, problems), BINDINGS_FILE, problems)
  if (!doc) return { problems }
  const p = asRecord(doc.project)
  const conns: ProjectDefinition['project']['connectionVars'] = {}
  for (const role of ['platformConnection', 'cloudStagingConnection'] as const) {
    const v = legacyVariableOf(p[role])
    if (v !== undefined) conns[role] = v
  }
  const tasks: TaskDefinition[] = []
  const list = Array.isArray(doc.tasks) ? doc.tasks : []
  list.forEach((raw, i) => {
    const t = asRecord(raw)
    if (typeof t.id !== 'string' || typeof t.name !== 'string') {
      problems.push({
        level: 'ERROR',
        file: LEGACY_PROJECT_FILE,
        pointer: `/tasks/${i}`,
        message: "a task needs 'id' and 'name'"
      })
      return
    }
    const connectionVars: TaskDefinition['connectionVars'] = {}
    for (const role of ['sourceConnection', 'targetConnection'] as const) {
      const v = legacyVariableOf(t[role])
      if (v !== undefined) connectionVars[role] = v
    }
    tasks.push({
      id: t.id,
      name: t.name,
      type: typeof t.type === 'string' ? t.type : 'LANDING',
      description: typeof t.description === 'string' ? t.description : '',
      folder: '',
      connectionVars,
      datasets: Array.isArray(t.datasets)
        ? t.datasets.map((d) => asRecord(d).name).filter((n): n is string => typeof n === 'string')
        : [],
      settings: asRecord(t.settings),
      modelBytes: 0
    })
  })
  const used = [
    ...Object.values(conns),
    ...tasks.flatMap((t) => Object.values(t.connectionVars))
  ] as string[]
  for (const v of new Set(used)) {
    if (!(v in registry))
      problems.push({
        level: 'ERROR',
        file: LEGACY_REGISTRY_FILE,
        pointer: '/variables',
        message: `does not declare the variable '${v}' that ${LEGACY_PROJECT_FILE} uses`
      })
  }
  const definition: ProjectDefinition = {
    format: 'LEGACY',
    project: {
      ...(typeof p.name === 'string' ? { name: p.name } : {}),
      type: typeof p.type === 'string' ? p.type : '',
      platformType:
        normalizePlatform(typeof p.platformType === 'string' ? p.platformType : undefined) ??
        'NONE',
      description: typeof p.description === 'string' ? p.description : '',
      settings: asRecord(p.settings),
      connectionVars: conns
    },
    tasks,
    declared: Object.keys(registry),
    files: names
  }
  if (shipped) definition.shippedBindings = stringValues(shipped)
  return { definition, problems }
}
