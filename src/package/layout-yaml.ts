import { strFromU8 } from 'fflate'
import { normalizePlatform, taskTypeForApi } from './enums.js'
import {
  BINDINGS_FILE,
  type FileMap,
  NEW_TASK_DEFAULTS_FILE,
  PROJECT_FILE,
  type Problem,
  type ProjectDefinition,
  REGISTRY_FILE,
  TASKS_DIR,
  type TaskDefinition,
  asRecord,
  stringValues,
  variableOf
} from './format.js'
import {
  type Parsed,
  lineOfPointer,
  parseFile,
  registryOf,
  schemaProblems,
  variablesUsed
} from './files.js'

/** The YAML layout (qtcp_project.yaml, qtcp_tasks/...): the package format Qlik exports today. */

const KNOWN_TASK_FILE =
  /^(task\.yaml|sourceSelection\.yaml|schedule\.yaml|model\.yaml|transformationRules\.yaml|datasets\/[^/]+\.yaml|transformationDataFlows\/[^/]+\.yaml)$/

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
