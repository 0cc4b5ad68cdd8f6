import { newReport, type ProjectOutcome, type RunReport } from '../model/report.js'
import type { Cancellation } from '../pipeline/cancel.js'
import type { ProjectEntry } from './file.js'

/**
 * A set's report, built from its projects' states and reports: it carries no field of a single
 * project (no target, steps or writes of one), its account lists every project's under the
 * project's name, and how it ended follows from how its projects ended (model/outcome.ts reads it).
 */
export interface SetFacts {
  mode: string
  dryRun: boolean
  /** Upstream first, as they ran. */
  entries: ProjectEntry[]
  states: Map<string, ProjectOutcome>
  reports: Map<string, RunReport>
  cancel?: Cancellation
}

export function setResult(f: SetFacts): RunReport {
  const { entries, states, reports } = f
  // its times are the whole run's: setup.ts sets them around the set
  const r = newReport(f.mode, f.dryRun, Date.now())
  r.projects = entries.map((e) => states.get(e.name) as ProjectOutcome)
  r.projectReports = entries
    .filter((e) => reports.has(e.name))
    .map((e) => ({ name: e.name, report: reports.get(e.name) as RunReport }))
  r.ledger = { entries: [], account: setAccount(r.projectReports) }
  const http = r.projectReports.flatMap((x) => (x.report.http ? [x.report.http] : []))
  if (http.length)
    r.http = {
      retries: http.reduce((n, h) => n + h.retries, 0),
      rateLimited: http.reduce((n, h) => n + h.rateLimited, 0)
    }
  if (f.mode === 'drift') {
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
  if (f.cancel?.cancelled) cancelled(r, f.cancel, reports)
  else if (failed) {
    const own = reports.get(failed.name)
    r.outcome = 'failed'
    if (own?.badInput) r.badInput = true
    const n = r.projects.indexOf(failed) + 1
    r.error = [
      `Project '${failed.name}' (${n} of ${r.projects.length}) ${f.dryRun ? 'would fail' : 'failed; no project started after it'} (${stateList(r.projects, reports)}).`,
      ...(own ? messageOf(own) : []),
      ...r.ledger.account
    ].join('\n')
  }
  return r
}

/** Every project's account, in the order they ran, each line under the project's name. */
function setAccount(runs: Array<{ name: string; report: RunReport }>): string[] {
  return runs.flatMap((x) => x.report.ledger.account.map((line) => `${x.name}: ${line}`))
}

/** A project's error without its account (the set's account holds every project's). */
function messageOf(r: RunReport): string[] {
  const lines = (r.error ?? '').split('\n')
  const account = r.ledger.account.length
  return account && lines.length > account ? lines.slice(0, -account) : lines.filter(Boolean)
}

/** "Hub: done, Marts: failed, Reports: not-started (upstream 'Marts' failed)" */
function stateList(
  projects: ProjectOutcome[],
  reports: Map<string, RunReport>,
  { reasons }: { reasons: boolean } = { reasons: true }
): string {
  return projects
    .map((x) => {
      const own = reports.get(x.name)
      if (x.state === 'cancelled' && own?.cancelled)
        return `${x.name}: cancelled during '${own.cancelled.during}'`
      if (!reasons) return `${x.name}: ${x.state === 'not-started' ? 'not started' : x.state}`
      return `${x.name}: ${x.state}${x.reason ? ` (${x.reason})` : ''}`
    })
    .join(', ')
}

/**
 * A cancelled set: each project's state (done, cancelled during which step, not started) and the
 * account of every project that ran, in the file's order.
 */
function cancelled(r: RunReport, cancel: Cancellation, reports: Map<string, RunReport>): void {
  const projects = r.projects ?? []
  const during = projects.filter((x) => x.state === 'cancelled')
  r.outcome = 'cancelled'
  r.cancelled = {
    signal: cancel.signal as string,
    during: during.length
      ? during.map((x) => `${x.name}: ${reports.get(x.name)?.cancelled?.during ?? ''}`).join('; ')
      : 'between projects'
  }
  r.error = [
    `The set was cancelled (${cancel.signal}): no project started after the signal (${stateList(projects, reports, { reasons: false })}).`,
    ...r.ledger.account
  ].join('\n')
}
