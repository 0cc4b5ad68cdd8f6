import type { Options, UpstreamLookup } from '../options.js'
import type { ProjectOutcome, RunReport } from '../model/report.js'
import { inSetOf } from '../model/outcome.js'
import type { Cancellation } from '../pipeline/cancel.js'
import { entryOptions, keyOf, type ProjectEntry } from './file.js'
import { setResult } from './result.js'

/** A set to run: the inputs, its entries upstream first, and how to run one project. */
export interface SetRun {
  base: Options
  entries: ProjectEntry[]
  /** A whole pipeline for one project. */
  runOne: (o: Options, e: ProjectEntry) => Promise<RunReport>
  /** Upstream projects this run leaves out (only), looked up in the target by name. */
  lookups?: Map<string, Record<string, UpstreamLookup>>
  /** A cancelled set starts no project; the running ones cancel themselves (same signal). */
  cancel?: Cancellation
}

/** What the schedule leaves: each entry's state, and the report of each project that ran. */
export interface Scheduled {
  states: Map<string, ProjectOutcome>
  reports: Map<string, RunReport>
}

/**
 * Run the set as a graph: a project starts as soon as every project it depends on (in this run)
 * has succeeded, at most `max-parallel` at once. After a failure no new project starts (a dry run
 * plans every project whose upstream could be planned); the running ones finish. The set's report
 * is built from every project's state and report (set/result.ts), in the file's order.
 */
export async function runProjectSet(run: SetRun): Promise<RunReport> {
  const { states, reports } = await schedule(run)
  return setResult({
    mode: run.base.mode,
    dryRun: run.base.dryRun,
    entries: run.entries,
    states,
    reports,
    ...(run.cancel ? { cancel: run.cancel } : {})
  })
}

// eslint-disable-next-line max-lines-per-function -- issue 33: to be split (known when the rule came in)
export async function schedule({
  base,
  entries,
  runOne,
  lookups = new Map(),
  cancel
}: SetRun): Promise<Scheduled> {
  const states = new Map<string, ProjectOutcome>(
    entries.map((e) => [e.name, { name: e.name, state: 'not-started' }])
  )
  const reports = new Map<string, RunReport>()
  // keyed by entry names of the projects file: a Map, so that no name is already there
  const ids = new Map<string, string>()
  const inRun = new Set(entries.map((e) => e.name))
  const started = new Set<string>()
  const finished = new Set<string>()
  let stopped: string | undefined
  const limit = Math.max(1, base.maxParallel)
  const running = new Map<string, Promise<void>>()

  // a dry run and a drift check go through every project whose upstream was looked at
  const planOnly = base.dryRun || base.mode === 'drift'
  const upstreamOf = (e: ProjectEntry): string[] => e.dependsOn.filter((d) => inRun.has(d))
  // a dry run plans a dependent once its upstream is planned, whatever the plan said
  const ready = (e: ProjectEntry): boolean =>
    upstreamOf(e).every((d) =>
      planOnly ? finished.has(d) : ['done', 'unchanged'].includes(states.get(d)?.state ?? '')
    )
  const blocked = (e: ProjectEntry): string | undefined =>
    upstreamOf(e).find(
      (d) => states.get(d)?.state === 'failed' || states.get(d)?.reason !== undefined
    )

  const ended = (e: ProjectEntry, report: RunReport): void => {
    reports.set(e.name, report)
    const out = states.get(e.name) as ProjectOutcome
    out.state = inSetOf(report)
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
  }

  const launch = (e: ProjectEntry): void => {
    started.add(e.name)
    const upstream = Object.fromEntries(
      upstreamOf(e)
        .map((d) => entries.find((x) => x.name === d) as ProjectEntry)
        .filter((u) => ids.has(u.name))
        .map((u) => [keyOf(u), ids.get(u.name) as string])
    )
    const o = { ...entryOptions(base, e, upstream), upstreamLookups: lookups.get(e.name) ?? {} }
    running.set(
      e.name,
      runOne(o, e).then((report) => ended(e, report))
    )
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
    const out = states.get(e.name) as ProjectOutcome
    if (started.has(e.name)) continue
    const up = blocked(e)
    out.reason = cancel?.cancelled
      ? `the set was cancelled (${cancel.signal}) before it started`
      : up
        ? `upstream '${up}' ${states.get(up)?.state === 'failed' ? 'failed' : 'did not run'}`
        : stopped !== undefined
          ? `the set stopped after '${stopped}' failed`
          : 'not reached'
  }
  return { states, reports }
}
