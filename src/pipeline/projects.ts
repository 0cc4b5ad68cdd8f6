import { dirname, resolve as resolvePath } from 'node:path'
import { isInside, readRegularFile } from '../util/files.js'
import { parseYamlBounded } from '../util/yaml.js'
import { z } from 'zod'
import type { Options, UpstreamLookup } from '../options.js'
import { slug } from './context.js'
import { InputError } from './errors.js'
import type { ProjectOutcome, RunReport } from './report.js'
import type { Cancellation } from './cancel.js'
import { didYouMean } from '../util/similar.js'

export type { ProjectOutcome }

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
  workspace = process.env.GITHUB_WORKSPACE || process.cwd()
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

/**
 * Run the set as a graph with `runOne` (a whole pipeline per project): a project starts as soon as
 * every project it depends on (in this run) has succeeded, at most `max-parallel` at once. After a
 * failure no new project starts (a dry run plans every project whose upstream could be planned);
 * the running ones finish. The combined report holds every project's state and report, in the
 * file's order.
 */
export async function runProjectSet(
  base: Options,
  entries: ProjectEntry[],
  runOne: (o: Options, e: ProjectEntry) => Promise<RunReport>,
  lookups: Map<string, Record<string, UpstreamLookup>> = new Map(),
  /** A cancelled set starts no project; the running ones cancel themselves (same signal). */
  cancel?: Cancellation
): Promise<RunReport> {
  const outcomes = new Map<string, ProjectOutcome>(
    entries.map((e) => [e.name, { name: e.name, state: 'not-started' }])
  )
  const reports = new Map<string, RunReport>()
  // keyed by entry names of the projects file: a Map, so that no name is already there
  const ids = new Map<string, string>()
  const inRun = new Set(entries.map((e) => e.name))
  const started = new Set<string>()
  const finished = new Set<string>()
  let stopped: string | undefined
  let last: RunReport | undefined
  const limit = Math.max(1, base.maxParallel)
  const running = new Map<string, Promise<void>>()

  // a dry run and a drift check go through every project whose upstream was looked at
  const planOnly = base.dryRun || base.mode === 'drift'
  const upstreamOf = (e: ProjectEntry): string[] => e.dependsOn.filter((d) => inRun.has(d))
  // a dry run plans a dependent once its upstream is planned, whatever the plan said
  const ready = (e: ProjectEntry): boolean =>
    upstreamOf(e).every((d) =>
      planOnly ? finished.has(d) : ['done', 'unchanged'].includes(outcomes.get(d)?.state ?? '')
    )
  const blocked = (e: ProjectEntry): string | undefined =>
    upstreamOf(e).find(
      (d) => outcomes.get(d)?.state === 'failed' || outcomes.get(d)?.reason !== undefined
    )

  const launch = (e: ProjectEntry): void => {
    started.add(e.name)
    const upstream = Object.fromEntries(
      upstreamOf(e)
        .map((d) => entries.find((x) => x.name === d) as ProjectEntry)
        .filter((u) => ids.has(u.name))
        .map((u) => [keyOf(u), ids.get(u.name) as string])
    )
    const o = {
      ...entryOptions(base, e, upstream),
      upstreamLookups: lookups.get(e.name) ?? {}
    }
    const p = runOne(o, e).then((report) => {
      reports.set(e.name, report)
      last = report
      const out = outcomes.get(e.name) as ProjectOutcome
      out.state =
        report.outcome === 'cancelled'
          ? 'cancelled'
          : report.outcome !== 'succeeded'
            ? 'failed'
            : report.unchanged
              ? 'unchanged'
              : 'done'
      if (report.drift?.drifted) out.drifted = true
      if (report.target?.projectId) {
        out.targetProjectId = report.target.projectId
        ids.set(e.name, report.target.projectId)
      } else if (planOnly) {
        // planned, not created: the dependents' plans name the id it will have
        ids.set(e.name, `(the id of '${e.name}' in the target once deployed)`)
      }
      if (report.outcome !== 'succeeded') {
        out.error = report.error?.split('\n')[0] ?? 'failed'
        // a real run starts nothing more; a dry run plans every project it can
        if (!planOnly && report.outcome !== 'cancelled') stopped ??= e.name
      }
      finished.add(e.name)
      running.delete(e.name)
    })
    running.set(e.name, p)
  }

  for (;;) {
    for (const e of entries) {
      if (running.size >= limit || stopped !== undefined || cancel?.cancelled) break
      if (started.has(e.name) || !ready(e)) continue
      launch(e)
    }
    if (running.size === 0) break
    await Promise.race(running.values())
  }
  for (const e of entries) {
    const out = outcomes.get(e.name) as ProjectOutcome
    if (started.has(e.name)) continue
    const up = blocked(e)
    out.reason = cancel?.cancelled
      ? `the set was cancelled (${cancel.signal}) before it started`
      : up
        ? `upstream '${up}' ${outcomes.get(up)?.state === 'failed' ? 'failed' : 'did not run'}`
        : stopped !== undefined
          ? `the set stopped after '${stopped}' failed`
          : 'not reached'
  }

  // the set's report, in the file's order: every project's state and report, without a cycle
  const ordered = entries.filter((e) => reports.has(e.name))
  const r: RunReport = { ...(last as RunReport) }
  r.projects = entries.map((e) => outcomes.get(e.name) as ProjectOutcome)
  r.projectReports = ordered.map((e) => ({
    name: e.name,
    report: reports.get(e.name) as RunReport
  }))
  if (base.mode === 'drift') {
    const drifted = r.projectReports.filter((x) => x.report.drift?.drifted)
    r.drift = {
      drifted: drifted.length > 0,
      targetExists: r.projectReports.every((x) => x.report.drift?.targetExists !== false),
      differences: drifted.flatMap((x) =>
        (x.report.drift?.differences ?? []).map((d) => `${x.name}: ${d}`)
      )
    }
  }
  const failed = r.projects.find((x) => x.state === 'failed')
  if (cancel?.cancelled) setCancelled(r, cancel, reports)
  else if (failed) {
    r.outcome = 'failed'
    r.badInput = reports.get(failed.name)?.badInput
    if (r.badInput === undefined) delete r.badInput
    const states = r.projects
      .map((x) => `${x.name}: ${x.state}${x.reason ? ` (${x.reason})` : ''}`)
      .join(', ')
    const n = r.projects.indexOf(failed) + 1
    r.error = `Project '${failed.name}' (${n} of ${r.projects.length}) ${base.dryRun ? 'would fail' : 'failed; no project started after it'} (${states}).\n${reports.get(failed.name)?.error ?? ''}`
  }
  return r
}

/**
 * A cancelled set: each project's state (done, cancelled during which step, not started) and the
 * account of each one that was cancelled, in the file's order.
 */
function setCancelled(r: RunReport, cancel: Cancellation, reports: Map<string, RunReport>): void {
  const projects = r.projects ?? []
  const states = projects
    .map((x) => {
      const own = reports.get(x.name)
      return `${x.name}: ${
        x.state === 'cancelled' && own?.cancelled
          ? `cancelled during '${own.cancelled.during}'`
          : x.state === 'not-started'
            ? 'not started'
            : x.state
      }`
    })
    .join(', ')
  const cancelled = projects.filter((x) => x.state === 'cancelled')
  r.outcome = 'cancelled'
  r.cancelled = {
    signal: cancel.signal as string,
    during: cancelled.length
      ? cancelled
          .map((x) => `${x.name}: ${reports.get(x.name)?.cancelled?.during ?? ''}`)
          .join('; ')
      : 'between projects'
  }
  delete r.badInput
  r.error = [
    `The set was cancelled (${cancel.signal}): no project started after the signal (${states}).`,
    ...projects
      .filter((x) => x.state === 'cancelled' || x.state === 'failed')
      .flatMap((x) =>
        (reports.get(x.name)?.error ?? '')
          .split('\n')
          .slice(1)
          .map((l) => `${x.name}: ${l}`)
      )
  ].join('\n')
}
