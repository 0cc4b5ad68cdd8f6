import { strFromU8 } from 'fflate'
import { DATA_TASK_TYPES, PLATFORM_TYPES, PROJECT_TYPES, TASK_STAGE } from '../qlik/vocabulary.js'
import { normalizePlatform, taskTypeForApi } from './enums.js'
import {
  BINDINGS_FILE,
  type FileMap,
  NEW_TASK_DEFAULTS_FILE,
  PROJECT_FILE,
  type Problem,
  type ProjectDefinition,
  REGISTRY_FILE,
  LEGACY_REGISTRY_FILE,
  TASKS_DIR,
  type TaskDefinition,
  asRecord,
  stringValues,
  variableOf
} from './format.js'
import {
  contentDigest,
  type Parsed,
  lineOfPointer,
  parseFile,
  registryOf,
  schemaProblems,
  variablesUsed
} from './files.js'

/** The YAML layout (qtcp_project.yaml, qtcp_tasks/...): the package format Qlik exports today. */

/** A file inside a task folder: qtcp_tasks/<folder>/... */
const TASK_FILE = /^qtcp_tasks\/([^/]+)\//
const DATASET_FILE = /^datasets\/[^/]+\.yaml$/

const KNOWN_TASK_FILE =
  /^(task\.yaml|sourceSelection\.yaml|schedule\.yaml|model\.yaml|transformationRules\.yaml|datasets\/[^/]+\.yaml|transformationDataFlows\/[^/]+\.yaml)$/

// eslint-disable-next-line max-lines-per-function -- issue 33: to be split (known when the rule came in)
export function parseYamlLayout(
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
  // the registry: qtcp_bindings_definition.json; exports of May 2026 name it bindingsTemplate.json
  const registryFile =
    REGISTRY_FILE in files || !(LEGACY_REGISTRY_FILE in files)
      ? REGISTRY_FILE
      : LEGACY_REGISTRY_FILE
  if (REGISTRY_FILE in files && LEGACY_REGISTRY_FILE in files)
    problems.push({
      level: 'ERROR',
      file: LEGACY_REGISTRY_FILE,
      pointer: '',
      message: `is a second registry beside ${REGISTRY_FILE}: keep one (today's exports write ${REGISTRY_FILE})`
    })
  const registryParsed = parseChecked(registryFile)
  if (!(registryFile in files)) {
    problems.push({
      level: 'ERROR',
      file: REGISTRY_FILE,
      pointer: '',
      message: `is missing (or ${LEGACY_REGISTRY_FILE}, as exports of May 2026 name it): every package declares its binding variables there`
    })
  }
  const registry = registryOf(registryParsed, registryFile, problems) ?? {}
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
  if (projectParsed.doc) {
    const type = props.type
    if (typeof type !== 'string' || !(PROJECT_TYPES as readonly string[]).includes(type))
      problems.push(
        located(files, {
          level: 'ERROR',
          file: PROJECT_FILE,
          pointer: '/properties/type',
          message: `${typeof type === 'string' ? `'${type}' is not a project type Qlik writes` : 'is missing'}: ${PROJECT_TYPES.join(' or ')}`
        })
      )
    if (
      props.platformType !== undefined &&
      !(PLATFORM_TYPES as readonly string[]).includes(project.platformType)
    )
      problems.push(
        located(files, {
          level: 'ERROR',
          file: PROJECT_FILE,
          pointer: '/properties/platformType',
          message: `'${String(props.platformType)}' is not a platform Qlik writes: ${PLATFORM_TYPES.join(', ')}`
        })
      )
  }

  const tasks: TaskDefinition[] = []
  // the files of each task folder, found in one pass (linear in the number of files)
  const byFolder = new Map<string, string[]>()
  for (const n of names) {
    const m = TASK_FILE.exec(n)
    if (!m) continue
    const list = byFolder.get(m[1] as string) ?? []
    list.push(n)
    byFolder.set(m[1] as string, list)
  }
  const folders = [...byFolder.keys()]
  const ids = new Map<string, string>()
  for (const folder of folders) {
    const dir = `${TASKS_DIR}/${folder}`
    const taskFile = `${dir}/task.yaml`
    const inFolder = byFolder.get(folder) ?? []
    for (const n of inFolder) {
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
    const apiType = taskTypeForApi(typeof tp.type === 'string' ? tp.type : '')
    if (!(DATA_TASK_TYPES as readonly string[]).includes(apiType))
      problems.push(
        located(files, {
          level: 'ERROR',
          file: taskFile,
          pointer: '/properties/type',
          message: `${typeof tp.type === 'string' ? `'${tp.type}' is not a task type Qlik writes` : 'is missing'}: ${DATA_TASK_TYPES.join(', ')}`
        })
      )
    const settings = asRecord(t.doc.settings)
    const selection = seen.get(`${dir}/sourceSelection.yaml`) ?? {}
    const connectionVars: TaskDefinition['connectionVars'] = {}
    const source = variableOf(selection.doc?.sourceConnection)
    if (source !== undefined) connectionVars.sourceConnection = source
    const target = variableOf(asRecord(settings.targetEndpoint).targetConnection)
    if (target !== undefined) connectionVars.targetConnection = target
    const datasetFiles = inFolder.filter((n) => DATASET_FILE.test(n.slice(dir.length + 1)))
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
      type: apiType,
      description: typeof tp.description === 'string' ? tp.description : '',
      folder,
      connectionVars,
      datasets,
      settings,
      modelBytes: files[`${dir}/model.yaml`]?.length ?? 0,
      contents: Object.fromEntries(
        inFolder
          .filter((n) => n !== taskFile && seen.has(n))
          .map((n) => [n.slice(dir.length + 1), contentDigest(n, seen.get(n)?.doc)])
      )
    })
  }
  // a source selection, a dataset's inputs or a model name tasks of this project: ones it has
  for (const [path, parsed] of seen) {
    const kind = /^qtcp_tasks\/[^/]+\/(sourceSelection\.yaml|model\.yaml|datasets\/)/.exec(
      path
    )?.[1]
    if (!kind || !parsed.doc) continue
    // in datasets, the inputs (other keys, such as mappings, may name tasks of other projects)
    const refs = taskReferences(parsed.doc, '').filter(
      (r) => kind !== 'datasets/' || r.pointer.startsWith('/properties/inputDatasets/')
    )
    for (const ref of refs)
      if (!ids.has(ref.id))
        problems.push(
          located(files, {
            level: 'ERROR',
            file: path,
            pointer: ref.pointer,
            message: `refers to task '${ref.id}', which this project does not have (its tasks: ${[...ids.keys()].join(', ') || 'none'})`
          })
        )
  }
  for (const n of names) {
    if ([PROJECT_FILE, REGISTRY_FILE, LEGACY_REGISTRY_FILE, BINDINGS_FILE].includes(n)) continue
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
    if (!(v in registry))
      problems.push(
        located(files, {
          level: 'ERROR',
          file: where.file,
          pointer: where.pointer,
          message: `uses the variable {{${v}}}, which ${registryFile} does not declare`
        })
      )
  }
  if (!projectParsed.doc) return { problems }
  // older registries list tasks in the project's order (taskProperties); today's exports do not:
  // then the data flow's order (landing, storage, transform, marts), then the folders' names
  const order = new Map(
    Object.keys(asRecord(registryParsed.doc?.taskProperties)).map((id, i) => [id, i])
  )
  const rank = (t: TaskDefinition): number =>
    order.get(t.id) ?? order.size + (TASK_STAGE[t.type] ?? 5)
  tasks.sort((a, b) => rank(a) - rank(b))
  const definition: ProjectDefinition = {
    format: 'YAML',
    project,
    tasks,
    declared: Object.keys(registry),
    registryFile,
    files: names
  }
  if (shipped) definition.shippedBindings = stringValues(shipped)
  return { definition, problems }
}

/** The problem with the line of its pointer, when the file is YAML. */
function located(files: FileMap, p: Problem): Problem {
  const data = files[p.file]
  const line =
    data && p.file.endsWith('.yaml') ? lineOfPointer(strFromU8(data), p.pointer) : undefined
  return line === undefined ? p : { ...p, line }
}

/** Keys that name a task of the same project (one of another project comes with `sourceProject` or `projectId`). */
const TASK_REFERENCE_KEYS = new Set(['sourceTask', 'taskId'])

function taskReferences(node: unknown, pointer: string): Array<{ id: string; pointer: string }> {
  // one walk with the path kept as parts, joined only where a reference is found (large models: no
  // string or array per node)
  const found: Array<{ id: string; pointer: string }> = []
  const path: string[] = []
  const at = (k: string): string =>
    pointer + [...path, k].map((p) => `/${p.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('')
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) {
      for (let i = 0; i < n.length; i++) {
        path.push(String(i))
        walk(n[i])
        path.pop()
      }
      return
    }
    if (!n || typeof n !== 'object') return
    const o = n as Record<string, unknown>
    const ownProject = !('sourceProject' in o) && !('projectId' in o)
    for (const k in o) {
      const v = o[k]
      if (
        ownProject &&
        TASK_REFERENCE_KEYS.has(k) &&
        typeof v === 'string' &&
        !/\{\{|ref\{/.test(v)
      )
        found.push({ id: v, pointer: at(k) })
    }
    for (const k in o) {
      path.push(k)
      walk(o[k])
      path.pop()
    }
  }
  walk(node)
  return found
}
