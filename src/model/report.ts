import type { LedgerEntry } from './ledger.js'
import type { Account } from './account.js'
import type { DryRunPlan, GuardResult } from './plan.js'
import type { Problem } from '../package/format.js'

/** The JSON report of a run, built as the pipeline goes; also the source of outputs and summary. */

export type StepState = 'succeeded' | 'failed' | 'skipped'

export interface StepRecord {
  name: string
  state: StepState
  durationMs: number
  detail?: string
}

export interface TaskResult {
  step: string
  taskId: string
  name: string
  state: string
  message?: string
}

/** One task run this run caused or watched, in the events vocabulary (seed 002). */
export interface TaskRunRecord {
  taskId: string
  name: string
  type: string
  /** quiesce (stopped before the import), resume (started again), run (run-tasks), trigger (Tasks API) */
  why: 'quiesce' | 'resume' | 'run' | 'trigger'
  event: 'started' | 'completed' | 'failed' | 'stopped'
  /** The run's state as the API says it (RUNNING, COMPLETED, FAILED, CANCELED, SUCCEEDED...). */
  state: string
  startTime?: string
  endTime?: string
  message?: string
}

export interface RunReport {
  version: 1
  mode: string
  dryRun: boolean
  /** cancelled: SIGINT / SIGTERM (a cancelled job, Ctrl-C); the account says what it changed. */
  outcome: 'succeeded' | 'failed' | 'cancelled'
  /** The signal that cancelled the run and the step it came during. */
  cancelled?: { signal: string; during: string }
  error?: string
  /** The step that failed; 'Check the inputs' means bad input, found before any request. */
  failedStep?: string
  startedAt: string
  finishedAt?: string
  source?: {
    tenant: string
    projectId: string
    projectName: string
    spaceId?: string
    spaceName?: string
  }
  target?: {
    tenant: string
    projectId?: string
    projectName: string
    spaceId?: string
    spaceName?: string
    created: boolean
  }
  package?: {
    path: string
    sha256: string
    bytes: number
    format: string
    exportMode: string
    declared: string[]
  }
  artifact?: { kind: string; id?: string; name: string; location: string; url?: string }
  /** The target project as it was before this run (existing targets, backup: true). */
  backup?: {
    name: string
    id?: string
    location: string
    projectId: string
    sha256: string
    url?: string
  }
  bindings?: {
    source: string
    applied: string[]
    changed: string[]
    added: string[]
    unknown: string[]
    missing: string[]
  }
  preflight?: Array<{ level: string; path: string; reason: string }>
  actions: Record<string, { actionId: string; state: string; elapsedMs: number; checks: number }>
  tasks: TaskResult[]
  /** Task runs after (and around) the deploy: quiesce, resume, run-tasks, trigger-tasks. */
  runs: TaskRunRecord[]
  /** expect-data-stores: what the target's catalog has of them. */
  dataStores?: { expected: string[]; found: string[]; missing: string[] }
  steps: StepRecord[]
  /** Checks made from reads before the first write to the target. */
  guards?: GuardResult[]
  /** dry-run: what a real run would do. */
  plan?: DryRunPlan
  /**
   * Every write sent to the target and what became of it, and the account a user reads: what
   * changed, what did not, what is unknown, how to restore.
   */
  ledger: {
    entries: LedgerEntry[]
    /** The account in words, a line each (log, CLI, error). */
    account: string[]
    /** The same account as data (what changed, not, unknown, how the target ends, the way back). */
    parts?: Account
  }
  /** mode validate (and package-dir): the offline check of the package. */
  validation?: {
    source: string
    valid: boolean
    files: number
    bytes: number
    sha256: string
    /** Each problem, with its file relative to the working directory (package-dir only). */
    problems: Array<Problem & { path?: string }>
    leftOut: string[]
  }
  /** export-dir: the exported package written as a folder. */
  exportDir?: { dir: string; written: string[]; removed: string[] }
  /** projects-file: every project of the set and how it ended (done, failed, cancelled, not-started). */
  projects?: ProjectOutcome[]
  /** projects-file: the report of each project that ran, in order. */
  projectReports?: Array<{ name: string; report: RunReport }>
  /** mode drift: whether the target still equals the package and the bindings, and where not. */
  drift?: DriftReport
  /** skip-unchanged: the target already equalled the package; nothing was sent. */
  unchanged?: boolean
  /**
   * plan-file: the plan this run was checked against before its first write, and each difference
   * found (none: the plan was applied; any: the run was refused and sent nothing).
   */
  planCheck?: {
    path: string
    digest: string
    madeAt: string
    commit?: string
    run?: string
    differences: string[]
  }
  /** Dry run: where the plan was written (Markdown; the JSON beside it). */
  planPath?: string
  /** The failure is bad input found before any request to a tenant (the CLI exits 2). */
  badInput?: boolean
  /** The workflow run that made this report (GitHub), for the summary's link. */
  runUrl?: string
  /** The commit the run was for (GITHUB_SHA), named in the plan comment. */
  commit?: string
  /** upload-report: the artifact that keeps this report after the job. */
  reportArtifact?: string
  /** Requests sent again (5xx, resets, timeouts) and rate-limit waits (429): counted, not warned. */
  http?: { retries: number; rateLimited: number }
}

/** One project of a set and how it ended. */
export interface ProjectOutcome {
  name: string
  /** cancelled: the project was running when the set was cancelled (its report has the account). */
  state: 'done' | 'unchanged' | 'failed' | 'cancelled' | 'not-started'
  /** mode drift: the target differs from the package. */
  drifted?: boolean
  targetProjectId?: string
  error?: string
  /** Why it did not start: an upstream failed, or the set stopped after a failure. */
  reason?: string
}

export interface DriftReport {
  drifted: boolean
  targetExists: boolean
  /** Each difference in words: project, task, setting or file, binding name (never its value). */
  differences: string[]
}

export function newReport(mode: string, dryRun: boolean, now: number): RunReport {
  return {
    version: 1,
    mode,
    dryRun,
    outcome: 'succeeded',
    startedAt: new Date(now).toISOString(),
    actions: {},
    tasks: [],
    runs: [],
    steps: [],
    ledger: { entries: [], account: [] }
  }
}

/** How long the run took, from its report's times (undefined while it runs). */
export function runDurationMs(r: Pick<RunReport, 'startedAt' | 'finishedAt'>): number | undefined {
  const ms = r.finishedAt ? Date.parse(r.finishedAt) - Date.parse(r.startedAt) : NaN
  return Number.isFinite(ms) ? ms : undefined
}
