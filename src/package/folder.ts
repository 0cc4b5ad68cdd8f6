import { zipSync, type Zippable } from 'fflate'
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
import { decodeUtf8 } from '../util/bounds.js'
import { quote } from '../text/escape.js'

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
  /**
   * The LEGACY layout's files and folders beside the YAML layout (project.json, tasks/, ...), left
   * out: what a Git-backed project holds after "Migrate to YAML format" left the old files.
   */
  legacy: string[]
  bytes: number
}

/** The LEGACY layout's own entries: never part of a YAML package. */
const LEGACY_FILES = [LEGACY_PROJECT_FILE, 'projectSettings.json']
const LEGACY_DIRS = ['tasks', 'newTaskDefaults']

/**
 * Which LEGACY entries lie beside a YAML layout, given the folder's paths: the LEGACY files and
 * folders present and, when the YAML registry is there too, bindingsTemplate.json (otherwise it is
 * the YAML registry itself, as exports of May 2026 name it). None without qtcp_project.yaml.
 */
export function legacyLeftovers(paths: string[]): string[] {
  const has = new Set(paths)
  if (!has.has(PROJECT_FILE)) return []
  const found = [
    ...LEGACY_FILES.filter((f) => has.has(f)),
    ...LEGACY_DIRS.filter((d) => paths.some((p) => p.startsWith(`${d}/`))).map((d) => `${d}/`)
  ]
  if (found.length === 0) return []
  return has.has(REGISTRY_FILE) && has.has(LEGACY_REGISTRY_FILE)
    ? [...found, LEGACY_REGISTRY_FILE].sort()
    : found.sort()
}

/** Whether a path of the folder is one of these LEGACY entries. */
const inLegacy = (path: string, legacy: string[]): boolean =>
  legacy.some((l) => (l.endsWith('/') ? path.startsWith(l) : path === l))

/** The one warning a folder with both layouts gets (validate, deploy, drift and export-dir alike). */
export function legacyWarning(legacy: string[]): string {
  return `Left out of the package: ${legacy.join(', ')} (left over from the LEGACY format; Qlik's YAML import reads the qtcp_* files). Nothing to do for this run; delete them from the folder to silence this warning.`
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
      if (!st.isFile()) {
        // a named pipe would block the read forever, a device would never end: never opened
        leftOut.push(`${rel} (not a regular file: a pipe, socket or device)`)
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
          ? withoutCrBeforeLf(data)
          : new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    }
  }
  walk(dir)
  // both layouts: the YAML one is the package, the LEGACY entries beside it are named once
  const legacy = legacyLeftovers([
    ...Object.keys(files),
    ...leftOut.filter((p) => !p.endsWith(')') && !p.endsWith('/'))
  ])
  if (legacy.length > 0) {
    if (legacy.includes(LEGACY_REGISTRY_FILE)) {
      bytes -= files[LEGACY_REGISTRY_FILE]?.length ?? 0
      delete files[LEGACY_REGISTRY_FILE]
    }
    const others = leftOut.filter((p) => !inLegacy(p, legacy))
    leftOut.length = 0
    leftOut.push(...legacy, ...others)
  }
  if (!(PROJECT_FILE in files)) {
    throw new FolderError(
      `${what}: ${dir} has no ${PROJECT_FILE} at its root; it is not a project folder in Qlik's layout` +
        (existsSync(join(dir, LEGACY_PROJECT_FILE))
          ? ' (LEGACY JSON folders are not supported).'
          : '.')
    )
  }
  return { files, leftOut, legacy, bytes }
}

/** CRLF to LF on the bytes (decoding first would hide bytes that are not UTF-8). */
function withoutCrBeforeLf(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length)
  let n = 0
  for (let i = 0; i < data.length; i++)
    if (!(data[i] === 13 && data[i + 1] === 10)) out[n++] = data[i] as number
  return out.subarray(0, n)
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
  /** LEGACY entries beside the YAML layout: not touched (see legacyLeftovers). */
  legacy: string[]
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
  const paths = Object.keys(files)
    .filter((p) => p !== BINDINGS_FILE)
    .sort()
  // every path checked before the first write: a package that names anything else writes nothing
  const outside = paths.filter((p) => !IN_LAYOUT(p))
  if (outside.length > 0)
    throw new FolderError(
      `The package holds ${outside.length} path(s) outside the project layout that Qlik's exporter writes: ` +
        `${outside.slice(0, 5).map(quote).join(', ')}${outside.length > 5 ? ', ...' : ''}. Nothing was written.`
    )
  for (const p of paths) refuseLinks(dir, p)
  const result: ExtractResult = {
    written: [],
    removed: [],
    legacy: [],
    skipped: BINDINGS_FILE in files ? [BINDINGS_FILE] : []
  }
  // every file decoded and normalised before the first write, too
  const outputs = paths.map((path): [string, string] => {
    const text = decodeUtf8OrRefuse(files[path] as Uint8Array, path)
    // JSON keeps its order (the registry's taskProperties list tasks in the project's order)
    return [
      path,
      path.endsWith('.json')
        ? `${JSON.stringify(JSON.parse(text), null, 2)}\n`
        : normalizeYaml(text)
    ]
  })
  mkdirSync(dir, { recursive: true })
  const keep = new Set<string>()
  for (const [path, out] of outputs) {
    const target = join(dir, ...path.split('/'))
    mkdirSync(dirname(target), { recursive: true })
    writeFileSync(target, out)
    keep.add(path)
    result.written.push(path)
  }
  // files of the layout from an earlier export that this package no longer has; LEGACY entries
  // beside the YAML layout are not the package's to delete (validate and deploy leave them out too)
  const existing = existsSync(dir) ? readProjectFolderLoose(dir) : []
  result.legacy = legacyLeftovers(existing)
  for (const rel of existing) {
    if (keep.has(rel) || !IN_PACKAGE(rel) || inLegacy(rel, result.legacy)) continue
    rmSync(join(dir, ...rel.split('/')))
    result.removed.push(rel)
  }
  pruneEmptyTaskFolders(join(dir, TASKS_DIR))
  return result
}

/**
 * The paths Qlik's exporter writes (../shared/real-exports, qlik-org/demo_repository): the project
 * file, the registry, newTaskDefaults.yaml, and per task folder its YAML files and its datasets/
 * and transformationDataFlows/ entries. No segment may be hidden (`.git`, `.github`), nothing else
 * at the root (package.json, a workflow), only YAML and the registry's JSON.
 */
const IN_LAYOUT = (path: string): boolean => {
  if (path === PROJECT_FILE || path === REGISTRY_FILE || path === LEGACY_REGISTRY_FILE) return true
  if (path === NEW_TASK_DEFAULTS_FILE) return true
  const parts = path.split('/')
  if (parts[0] !== TASKS_DIR || parts.some((p) => p.startsWith('.') || p.trim() === ''))
    return false
  if (!/\.ya?ml$/.test(path)) return false
  return (
    parts.length === 3 ||
    (parts.length === 4 && (parts[2] === 'datasets' || parts[2] === 'transformationDataFlows'))
  )
}

/** No component of a target under export-dir (export-dir itself included) may be a symbolic link. */
function refuseLinks(dir: string, path: string): void {
  let at = dir
  for (const part of ['', ...path.split('/')]) {
    at = part ? join(at, part) : at
    let st
    try {
      st = lstatSync(at)
    } catch {
      return // does not exist yet: nothing below it can be a link either
    }
    if (st.isSymbolicLink())
      throw new FolderError(
        `${at} is a symbolic link; export-dir writes only through real folders and files (refusing to follow it). Nothing was written.`
      )
    if (part && at !== join(dir, ...path.split('/')) && !st.isDirectory())
      throw new FolderError(`${at} is not a folder. Nothing was written.`)
  }
}

function decodeUtf8OrRefuse(data: Uint8Array, path: string): string {
  try {
    return decodeUtf8(data)
  } catch (e) {
    throw new FolderError(
      `${quote(path)} in the package ${(e as Error).message}. Nothing was written.`
    )
  }
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
