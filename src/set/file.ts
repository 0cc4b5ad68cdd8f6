import { dirname, resolve as resolvePath } from 'node:path'
import { isInside, readRegularFile } from '../util/files.js'
import { parseYamlBounded } from '../util/yaml.js'
import { z } from 'zod'
import type { Options, UpstreamLookup } from '../options.js'
import { slug } from '../pipeline/context.js'
import { InputError } from '../pipeline/errors.js'
import { didYouMean } from '../util/similar.js'

/**
 * Several projects in dependency order (`projects-file`): a YAML list of projects, each with its
 * source, target, bindings and `dependsOn`. Qlik requires upstream projects to be imported before
 * the projects that reference them; the set is promoted in that order, stops at the first failure,
 * and binds each dependent project's `project.<key>.projectId` variables to the target ids of the
 * upstream projects deployed before it.
 */

const entrySchema = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .describe(
        'The entry name (unique in the file): dependsOn refers to it; the default source project.'
      ),
    sourceProject: z
      .string()
      .min(1)
      .optional()
      .describe('Source project id or exact name (default: name).'),
    sourceSpace: z
      .string()
      .min(1)
      .optional()
      .describe('Space of the source project (narrows the lookup).'),
    targetSpace: z
      .string()
      .min(1)
      .optional()
      .describe("Target space (default: the 'target-space' input)."),
    targetProject: z
      .string()
      .min(1)
      .optional()
      .describe('Target project name or id (default: the source project name).'),
    bindingsFile: z
      .string()
      .min(1)
      .optional()
      .describe('Bindings file of this project for the target.'),
    bindings: z
      .record(z.string(), z.string().nullable())
      .optional()
      .describe('Bindings laid over bindingsFile.'),
    key: z
      .string()
      .regex(/^[a-z0-9_]+$/)
      .optional()
      .describe(
        'The <key> of project.<key>.projectId variables that reference this project (default: its name in lower case, non-alphanumerics as _).'
      ),
    dependsOn: z
      .array(z.string().min(1))
      .default([])
      .describe('Names of entries that must be promoted before this one.')
  })
  .describe('One project of the set.')

export const projectsFileSchema = z
  .strictObject({ projects: z.array(entrySchema).min(1) })
  .describe('Projects promoted together, in dependency order (qlik-di-promote projects-file).')

export type ProjectEntry = z.output<typeof entrySchema>

export function projectsJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(projectsFileSchema, { io: 'input' }),
    $id: 'https://raw.githubusercontent.com/owner/qlik-di-promote/v1/schemas/projects.schema.json',
    title: 'qlik-di-promote projects file'
  }
}

export const keyOf = (e: ProjectEntry): string =>
  e.key ??
  e.name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '')

const STEP = 'Read the projects file'

/**
 * Read and order the file; every problem (schema, duplicate or unknown names, cycles) is bad input,
 * found before any request.
 */
export function loadProjectsFile(
  path: string,
  /** The runner's workspace (setup.ts), else the working directory. */
  workspace = process.cwd()
): ProjectEntry[] {
  let doc: unknown
  try {
    doc = parseYamlBounded(readRegularFile(path, 'the projects file'))
  } catch (e) {
    throw new InputError(
      `Input 'projects-file': cannot read ${path}: ${(e as Error).message}`,
      STEP
    )
  }
  const parsed = projectsFileSchema.safeParse(doc)
  if (!parsed.success) {
    throw new InputError(
      `Input 'projects-file': ${path} is not a valid projects file: ${parsed.error.issues
        .map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`)
        .join('; ')}`,
      STEP
    )
  }
  const entries = parsed.data.projects
  const problems: string[] = []
  const names = new Set<string>()
  for (const e of entries) {
    if (names.has(e.name)) problems.push(`the name '${e.name}' is used twice`)
    names.add(e.name)
    // a bindings file of the workspace (or beside the projects file), never /etc/... or ../../
    if (
      e.bindingsFile &&
      !isInside(workspace, resolvePath(e.bindingsFile)) &&
      !isInside(dirname(resolvePath(path)), resolvePath(e.bindingsFile))
    )
      problems.push(
        `the bindingsFile of '${e.name}' (${e.bindingsFile}) is outside the workspace ${workspace}`
      )
  }
  for (const e of entries)
    for (const d of e.dependsOn)
      if (!names.has(d))
        problems.push(`'${e.name}' depends on '${d}', which the file does not list`)
  if (problems.length === 0) {
    const cycle = findCycle(entries)
    if (cycle) problems.push(`the dependencies form a cycle: ${cycle.join(' -> ')}`)
  }
  if (problems.length)
    throw new InputError(`Input 'projects-file': ${path}: ${problems.join('; ')}.`, STEP)
  return order(entries)
}

function findCycle(entries: ProjectEntry[]): string[] | undefined {
  const by = new Map(entries.map((e) => [e.name, e]))
  const state = new Map<string, 'open' | 'done'>()
  const stack: string[] = []
  const visit = (n: string): string[] | undefined => {
    if (state.get(n) === 'done') return undefined
    if (state.get(n) === 'open') return [...stack.slice(stack.indexOf(n)), n]
    state.set(n, 'open')
    stack.push(n)
    for (const d of by.get(n)?.dependsOn ?? []) {
      const c = visit(d)
      if (c) return c
    }
    stack.pop()
    state.set(n, 'done')
    return undefined
  }
  for (const e of entries) {
    const c = visit(e.name)
    if (c) return c
  }
  return undefined
}

/** Upstream first; among projects that are ready, the file's order. */
function order(entries: ProjectEntry[]): ProjectEntry[] {
  const out: ProjectEntry[] = []
  const done = new Set<string>()
  while (out.length < entries.length) {
    const next = entries.find((e) => !done.has(e.name) && e.dependsOn.every((d) => done.has(d)))
    if (!next) break // cycles were refused above
    out.push(next)
    done.add(next.name)
  }
  return out
}

/** The options of one entry: the inputs, with the entry's project, target and bindings. */
export function entryOptions(
  base: Options,
  e: ProjectEntry,
  upstream: Record<string, string>
): Options {
  return {
    ...base,
    projectsFile: '',
    sourceProject: e.sourceProject ?? e.name,
    sourceSpace: e.sourceSpace ?? base.sourceSpace,
    targetSpace: e.targetSpace ?? base.targetSpace,
    targetProject: e.targetProject ?? '',
    bindingsFile: e.bindingsFile ?? '',
    bindings: e.bindings ? JSON.stringify(e.bindings) : '',
    artifactName: base.artifactName ? `${base.artifactName}-${slug(e.name)}` : '',
    upstreamProjects: upstream
  }
}

/**
 * `only` (and `with-upstream`): the entries to run, in the file's order. An unknown name is bad
 * input naming the entries there are. Upstream projects left out must already be in the target:
 * their ids are looked up there (see upstreamLookups).
 */
export function selectEntries(
  entries: ProjectEntry[],
  only: string[],
  withUpstream: boolean
): ProjectEntry[] {
  if (only.length === 0) return entries
  const by = new Map(entries.map((e) => [e.name, e]))
  const unknown = only.filter((n) => !by.has(n))
  if (unknown.length)
    throw new InputError(
      `Input 'only': ${unknown.map((n) => `'${n}'${didYouMean(n, [...by.keys()])}`).join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not in the projects file; its entries are ${[...by.keys()].map((n) => `'${n}'`).join(', ')}.`,
      STEP
    )
  const chosen = new Set(only)
  if (withUpstream) {
    const add = (n: string): void => {
      for (const d of by.get(n)?.dependsOn ?? [])
        if (!chosen.has(d)) {
          chosen.add(d)
          add(d)
        }
    }
    for (const n of only) add(n)
  }
  return entries.filter((e) => chosen.has(e.name))
}

/** Upstream entries this run leaves out (only): their target ids are looked up by name. */
export function upstreamLookups(
  all: ProjectEntry[],
  chosen: ProjectEntry[],
  base: Options
): Map<string, Record<string, UpstreamLookup>> {
  const inRun = new Set(chosen.map((e) => e.name))
  const by = new Map(all.map((e) => [e.name, e]))
  return new Map(
    chosen.map((e) => [
      e.name,
      Object.fromEntries(
        e.dependsOn
          .filter((d) => !inRun.has(d))
          .map((d) => by.get(d) as ProjectEntry)
          .map((u) => [
            keyOf(u),
            {
              project: u.targetProject ?? u.sourceProject ?? u.name,
              space: u.targetSpace ?? base.targetSpace,
              entry: u.name
            }
          ])
      )
    ])
  )
}
