import {
  PackageFormatError,
  PROJECT_FILE,
  LEGACY_PROJECT_FILE,
  type FileMap,
  type Problem,
  type ProjectDefinition
} from './format.js'
import { parseLegacy } from './layout-legacy.js'
import { parseYamlLayout } from './layout-yaml.js'
import { readZip } from './zip.js'

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

export * from './format.js'
export { lineOfPointer } from './files.js'

/**
 * Every file of a package ZIP, read within bounds that do not trust its headers (./zip.ts): a bomb,
 * a lying entry count, a path that climbs out, a duplicate, a symlink or a device is refused with a
 * PackageFormatError naming the entry.
 */
export function unzipPackage(zip: Uint8Array): FileMap {
  return readZip(zip).files
}

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
