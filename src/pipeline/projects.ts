import { readFileSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import type { Options } from '../options.js'
import { slug } from './context.js'
import { InputError } from './errors.js'
import type { RunReport } from './report.js'

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
    $id: 'https://github.com/owner/qlik-di-promote/schemas/projects.schema.json',
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
export function loadProjectsFile(path: string): ProjectEntry[] {
  let doc: unknown
  try {
    doc = parseYaml(readFileSync(path, 'utf8'))
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

export interface ProjectOutcome {
  name: string
  state: 'done' | 'failed' | 'not-started'
  targetProjectId?: string
  error?: string
}

/**
 * Promote the set in order with `runOne` (a whole pipeline per project); stop at the first failure.
 * The combined report is the last project's, with every project's state and report.
 */
export async function runProjectSet(
  base: Options,
  entries: ProjectEntry[],
  runOne: (o: Options, e: ProjectEntry) => Promise<RunReport>
): Promise<RunReport> {
  const outcomes: ProjectOutcome[] = entries.map((e) => ({ name: e.name, state: 'not-started' }))
  const reports: Array<{ name: string; report: RunReport }> = []
  const ids: Record<string, string> = {}
  let last: RunReport | undefined
  for (const [i, e] of entries.entries()) {
    const upstream = Object.fromEntries(
      e.dependsOn
        .map((d) => entries.find((x) => x.name === d) as ProjectEntry)
        .filter((u) => ids[u.name] !== undefined)
        .map((u) => [keyOf(u), ids[u.name] as string])
    )
    const report = await runOne(entryOptions(base, e, upstream), e)
    reports.push({ name: e.name, report })
    last = report
    const o = outcomes[i] as ProjectOutcome
    o.state = report.outcome === 'succeeded' ? 'done' : 'failed'
    if (report.target?.projectId) {
      o.targetProjectId = report.target.projectId
      ids[e.name] = report.target.projectId
    } else if (base.dryRun) {
      // planned, not created: the dependents' plans name the id it will have
      ids[e.name] = `(the id of '${e.name}' in the target once deployed)`
    }
    if (report.outcome !== 'succeeded') {
      o.error = report.error?.split('\n')[0] ?? 'failed'
      // a real run stops at the first failure; a dry run plans every project
      if (!base.dryRun) break
    }
  }
  // a copy: the set's report holds every project's report (the last one's too) without a cycle
  const r: RunReport = { ...(last as RunReport) }
  r.projects = outcomes
  r.projectReports = reports
  const failed = outcomes.find((x) => x.state === 'failed')
  if (failed) {
    r.outcome = 'failed'
    r.badInput = reports.find((x) => x.name === failed.name)?.report.badInput
    if (r.badInput === undefined) delete r.badInput
    const states = outcomes.map((x) => `${x.name}: ${x.state}`).join(', ')
    const failedReport = reports.find((x) => x.name === failed.name)?.report
    r.error = `Project '${failed.name}' (${outcomes.indexOf(failed) + 1} of ${outcomes.length}) ${base.dryRun ? 'would fail' : 'failed; the set stopped there'} (${states}).\n${failedReport?.error ?? ''}`
  }
  return r
}
