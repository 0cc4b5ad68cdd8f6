import { createHash } from 'node:crypto'
import { strFromU8 } from 'fflate'
import { parse as parseYaml } from 'yaml'
import { normalizePlatform } from './enums.js'
import { PackageFormatError } from './format.js'
import { readZip } from './zip.js'

/**
 * Reading an exported project package: its format (YAML or LEGACY), its bindings registry (the
 * variables it declares) and its digest. Only the few files needed are decompressed.
 */

export interface PackageInfo {
  format: 'YAML' | 'LEGACY'
  /** Variables the package declares (qtcp_bindings_definition.json or bindingsTemplate.json). */
  declared: string[]
  /** Values shipped in bindings.json (export with includeBindings), if any. */
  shippedBindings?: Record<string, string | null>
  sha256: string
  bytes: number
  files: number
  /** The project's type and platform (REST API vocabulary) as the package states them. */
  projectType?: string
  platformType?: string
}

export class PackageReadError extends Error {
  override readonly name = 'PackageReadError'
}

export const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex')

const WANTED = new Set([
  'qtcp_project.yaml',
  'qtcp_bindings_definition.json',
  'project.json',
  'bindingsTemplate.json',
  'bindings.json'
])

function variablesOf(text: string | undefined, file: string): Record<string, unknown> | undefined {
  if (text === undefined) return undefined
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (e) {
    throw new PackageReadError(`${file} in the package is not valid JSON: ${(e as Error).message}`)
  }
  const vars = (doc as { variables?: unknown })?.variables ?? doc
  if (vars === null || typeof vars !== 'object' || Array.isArray(vars)) {
    throw new PackageReadError(`${file} in the package has no "variables" mapping.`)
  }
  return vars as Record<string, unknown>
}

export function readPackageInfo(zip: Uint8Array): PackageInfo {
  let count: number
  let files: Record<string, Uint8Array>
  try {
    ;({ files, count } = readZip(zip, (name) => WANTED.has(name)))
  } catch (e) {
    if (e instanceof PackageFormatError) throw new PackageReadError(e.message)
    throw e
  }
  const text = (name: string): string | undefined =>
    files[name] ? strFromU8(files[name] as Uint8Array) : undefined
  const yaml = 'qtcp_project.yaml' in files
  if (!yaml && !('project.json' in files)) {
    throw new PackageReadError(
      'The ZIP is not a data integration project package: it has neither qtcp_project.yaml nor project.json.'
    )
  }
  // YAML packages: qtcp_bindings_definition.json (exports of May 2026: bindingsTemplate.json)
  const registryFile =
    yaml && 'qtcp_bindings_definition.json' in files
      ? 'qtcp_bindings_definition.json'
      : 'bindingsTemplate.json'
  const registry = variablesOf(text(registryFile), registryFile) ?? {}
  const shipped = variablesOf(text('bindings.json'), 'bindings.json')
  const info: PackageInfo = {
    format: yaml ? 'YAML' : 'LEGACY',
    declared: Object.keys(registry),
    sha256: sha256(zip),
    bytes: zip.length,
    files: count
  }
  const projectText = text(yaml ? 'qtcp_project.yaml' : 'project.json')
  if (projectText !== undefined) {
    try {
      // YAML layout: `properties:` (Qlik's published schema); LEGACY: `project:`
      const doc = (yaml ? parseYaml(projectText) : JSON.parse(projectText)) as Record<
        string,
        unknown
      >
      const p = ((yaml ? doc?.properties : doc?.project) ?? {}) as Record<string, unknown>
      if (typeof p.type === 'string') info.projectType = p.type
      const platform = normalizePlatform(
        typeof p.platformType === 'string' ? p.platformType : undefined
      )
      if (platform !== undefined) info.platformType = platform
      else if (yaml && p.type === 'DATA_MOVEMENT') info.platformType = 'NONE'
    } catch {
      // the pre-flight check on the target reports definition problems in its own words
    }
  }
  if (shipped) {
    info.shippedBindings = Object.fromEntries(
      Object.entries(shipped).map(([k, v]) => [k, typeof v === 'string' ? v : null])
    )
  }
  return info
}
