import { normalizePlatform } from './enums.js'
import {
  BINDINGS_FILE,
  type FileMap,
  LEGACY_PROJECT_FILE,
  LEGACY_REGISTRY_FILE,
  type Problem,
  type ProjectDefinition,
  type TaskDefinition,
  asRecord,
  legacyVariableOf,
  stringValues
} from './format.js'
import { parseFile, registryOf } from './files.js'

/** The LEGACY layout (project.json + bindingsTemplate.json), deprecated by Qlik but still read. */

// eslint-disable-next-line max-lines-per-function -- issue 33: to be split (known when the rule came in)
export function parseLegacy(
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
