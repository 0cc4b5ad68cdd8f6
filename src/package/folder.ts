import { strFromU8, strToU8, zipSync, type Zippable } from 'fflate'
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync
} from 'node:fs'
import { dirname, join, relative, sep } from 'node:path'
import { isMap, isSeq, parseDocument, stringify as toYaml, type Node as YamlNode } from 'yaml'
import {
  BINDINGS_FILE,
  type FileMap,
  LEGACY_PROJECT_FILE,
  NEW_TASK_DEFAULTS_FILE,
  PACKAGE_LIMIT_BYTES,
  parseDefinition,
  type Problem,
  PROJECT_FILE,
  REGISTRY_FILE,
  LEGACY_REGISTRY_FILE,
  TASKS_DIR,
  unzipPackage
} from './layout.js'

/**
 * Projects as code: a folder of the repository in Qlik's layout becomes a package (validated, zipped
 * deterministically), and an exported package becomes a folder a workflow can commit.
 */

export class FolderError extends Error {
  override readonly name = 'FolderError'
}

/** Files of the layout that go into a package built from a folder. */
const IN_PACKAGE = (path: string): boolean =>
  path === PROJECT_FILE ||
  path === REGISTRY_FILE ||
  // the registry's name in exports of May 2026
  path === LEGACY_REGISTRY_FILE ||
  path === NEW_TASK_DEFAULTS_FILE ||
  new RegExp(`^${TASKS_DIR}/[^/]+/`).test(path)

export interface FolderContent {
  files: FileMap
  /** Files of the folder that are not part of a package (README.md, .gitkeep, bindings.json, ...). */
  leftOut: string[]
  bytes: number
}

/**
 * Read a project folder. Text files are read with LF line endings (a checkout on Windows gives the
 * same package as one on Linux); hidden files and files outside the layout are left out and listed.
 */
export function readProjectFolder(dir: string, what = "Input 'package-dir'"): FolderContent {
  if (!existsSync(dir)) throw new FolderError(`${what}: no folder ${dir}.`)
  if (!statSync(dir).isDirectory())
    throw new FolderError(
      `${what}: ${dir} is not a folder; give the folder that holds ${PROJECT_FILE}.`
    )
  const files: FileMap = {}
  const leftOut: string[] = []
  let bytes = 0
  const walk = (abs: string): void => {
    for (const name of readdirSync(abs).sort()) {
      const full = join(abs, name)
      const rel = relative(dir, full).split(sep).join('/')
      const st = lstatSync(full)
      if (st.isSymbolicLink()) {
        leftOut.push(`${rel} (a symbolic link)`)
        continue
      }
      if (st.isDirectory()) {
        if (name.startsWith('.')) leftOut.push(`${rel}/`)
        else walk(full)
        continue
      }
      if (name.startsWith('.') || !IN_PACKAGE(rel)) {
        leftOut.push(rel)
        continue
      }
      bytes += st.size
      if (bytes > PACKAGE_LIMIT_BYTES) {
        throw new FolderError(
          `${what}: ${dir} holds more than ${PACKAGE_LIMIT_BYTES / 1024 / 1024} MB of package files (at ${rel}); Qlik refuses packages over 10 MB.`
        )
      }
      const data = readFileSync(full)
      // a copy with LF endings only when the file has a CR (a 9 MB model is not decoded to read it)
      files[rel] =
        /\.(ya?ml|json)$/.test(name) && data.includes(13)
          ? strToU8(strFromU8(data).replace(/\r\n/g, '\n'))
          : new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    }
  }
  walk(dir)
  if (!(PROJECT_FILE in files)) {
    throw new FolderError(
      `${what}: ${dir} has no ${PROJECT_FILE} at its root; it is not a project folder in Qlik's layout` +
        (existsSync(join(dir, LEGACY_PROJECT_FILE))
          ? ' (LEGACY JSON folders are not supported).'
          : '.')
    )
  }
  return { files, leftOut, bytes }
}

/** Check a package's files: the vendored schemas, variables, task folders, the 10 MB limit. */
export function checkFiles(files: FileMap, zipBytes?: number): Problem[] {
  return [...parseDefinition(files).problems, ...sizeProblems(zipBytes)]
}

/** The 10 MB limit Qlik's import holds a package ZIP to. */
export function sizeProblems(zipBytes?: number): Problem[] {
  return zipBytes !== undefined && zipBytes > PACKAGE_LIMIT_BYTES
    ? [
        {
          level: 'ERROR',
          file: '(package)',
          pointer: '',
          message: `the ZIP is ${zipBytes} bytes; Qlik refuses packages over ${PACKAGE_LIMIT_BYTES} bytes (10 MB)`
        }
      ]
    : []
}

/**
 * The package ZIP of a set of files: entries sorted by path, a fixed timestamp, fixed compression,
 * so the same files always give the same bytes (and the same sha256).
 */
export function zipDeterministic(files: FileMap): Uint8Array {
  const sorted: Zippable = {}
  for (const path of Object.keys(files).sort()) sorted[path] = files[path] as Uint8Array
  return zipSync(sorted, { level: 9, mtime: new Date(Date.UTC(1980, 0, 1, 12)) })
}

// ---------- package -> folder (export-dir) ----------

/** YAML mappings with keys sorted, except `properties:` first and `settings:` second at the top. */
function normalizeYaml(text: string): string {
  const doc = parseDocument(text)
  const sortNode = (node: YamlNode | null | undefined): void => {
    if (isMap(node)) {
      node.items.sort((a, b) =>
        String((a.key as { value?: unknown }).value).localeCompare(
          String((b.key as { value?: unknown }).value)
        )
      )
      for (const i of node.items) sortNode(i.value as YamlNode)
    } else if (isSeq(node)) for (const i of node.items) sortNode(i as YamlNode)
  }
  sortNode(doc.contents as YamlNode)
  const top = doc.contents
  if (isMap(top)) {
    const rank = (k: unknown): number => (k === 'properties' ? 0 : k === 'settings' ? 1 : 2)
    top.items.sort(
      (a, b) =>
        rank((a.key as { value?: unknown }).value) - rank((b.key as { value?: unknown }).value)
    )
  }
  return toYaml(doc, { lineWidth: 0 })
}

export interface ExtractResult {
  written: string[]
  removed: string[]
  /** bindings.json is never written: values belong to the bindings input, not to git. */
  skipped: string[]
}

/**
 * Write a package into a folder, normalised for review in git: YAML keys sorted (properties: and
 * settings: first), JSON pretty-printed in its own order, LF line endings, no bindings.json. Files of an earlier export that the package no longer has (a removed task) are
 * deleted; nothing outside the layout (README.md, ...) is touched.
 */
export function extractToFolder(zip: Uint8Array, dir: string): ExtractResult {
  const files = unzipPackage(zip)
  if (!(PROJECT_FILE in files)) {
    throw new FolderError(
      `The package has no ${PROJECT_FILE}: only YAML packages (export-mode MINIMAL or ALL) can be written as a folder.`
    )
  }
  mkdirSync(dir, { recursive: true })
  const result: ExtractResult = { written: [], removed: [], skipped: [] }
  const keep = new Set<string>()
  for (const path of Object.keys(files).sort()) {
    if (path === BINDINGS_FILE) {
      result.skipped.push(path)
      continue
    }
    if (path.split('/').some((p) => p === '..' || p === '') || path.startsWith('/')) {
      throw new FolderError(`The package holds an unsafe path '${path}'; refusing to write it.`)
    }
    const text = strFromU8(files[path] as Uint8Array)
    let out: string
    // JSON keeps its order (the registry's taskProperties list tasks in the project's order)
    if (path.endsWith('.json')) out = `${JSON.stringify(JSON.parse(text), null, 2)}\n`
    else if (path.endsWith('.yaml')) out = normalizeYaml(text)
    else out = text
    const target = join(dir, ...path.split('/'))
    mkdirSync(dirname(target), { recursive: true })
    writeFileSync(target, out)
    keep.add(path)
    result.written.push(path)
  }
  // files of the layout from an earlier export that this package no longer has
  const existing = existsSync(dir) ? readProjectFolderLoose(dir) : []
  for (const rel of existing) {
    if (keep.has(rel) || !IN_PACKAGE(rel)) continue
    rmSync(join(dir, ...rel.split('/')))
    result.removed.push(rel)
  }
  pruneEmptyTaskFolders(join(dir, TASKS_DIR))
  return result
}

function readProjectFolderLoose(dir: string): string[] {
  const out: string[] = []
  const walk = (abs: string): void => {
    for (const name of readdirSync(abs)) {
      const full = join(abs, name)
      const st = lstatSync(full)
      if (st.isDirectory() && !name.startsWith('.')) walk(full)
      else if (st.isFile()) out.push(relative(dir, full).split(sep).join('/'))
    }
  }
  walk(dir)
  return out
}

function pruneEmptyTaskFolders(dir: string): void {
  if (!existsSync(dir)) return
  const prune = (abs: string): boolean => {
    let empty = true
    for (const name of readdirSync(abs)) {
      const full = join(abs, name)
      if (lstatSync(full).isDirectory()) {
        if (prune(full)) rmSync(full, { recursive: true })
        else empty = false
      } else empty = false
    }
    return empty
  }
  prune(dir)
}
