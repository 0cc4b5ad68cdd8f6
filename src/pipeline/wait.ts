import { FINAL_STATES, type ActionStatus, type QlikApi } from '../qlik/api.js'

/**
 * Waiting on an asynchronous Qlik action. The first status check comes `firstDelayMs` after the
 * request. Then, with `estimate` (the default), checks go where the status says the action will
 * end: the finished tasks' start and end times give the average task time and how much it varies,
 * the running task's start and the pending tasks give the expected end and its uncertainty
 * (`endEstimate`). Far from the end the checks are sparse: the next one where the uncertain window
 * opens (half a standard deviation before the expected end, a whole one when that is 2 s or more).
 * Inside the window they are dense (one standard deviation apart, at least a tenth of the time the
 * action has run, at most 1 s), and they spread out again once the end is far overdue. Before any
 * task has finished, the wait is three times what the running task has run while other tasks are
 * still to come (learning one task's time is what matters), else a quarter of the time the action
 * has run. Never closer than `floorMs` (2 a second: the Tier 1 budget is shared by parallel
 * jobs), never further than `maxDelayMs`. Without `estimate`, checks are spaced out geometrically
 * (x`factor`).
 * `scripts/poll-model.ts` measures the policy on thousands of simulated actions (`npm run bench`).
 * A line whenever the state or the task counts change; bounded by `timeoutMs`.
 */

export interface WaitOptions {
  firstDelayMs: number
  maxDelayMs: number
  factor: number
  /** Place checks where the status says the action will end (default true). */
  estimate?: boolean
  /** Closest two checks may be (default 500 ms). */
  floorMs?: number
  timeoutMs: number
  sleep: (ms: number) => Promise<void>
  now: () => number
  log: (line: string) => void
}

export const DEFAULT_WAIT = { maxDelayMs: 10_000, factor: 1.05, estimate: true, floorMs: 500 }

/** Task durations vary at least this much (coefficient of variation) until more is measured. */
const PRIOR_CV = 0.2
/** How much the error of the measured average task time adds to the end's uncertainty. */
const MEAN_ERROR_WEIGHT = 0.1
/**
 * The uncertain window opens this many standard deviations before the expected end: half of one
 * while the uncertainty is small (an end before the window costs little lateness), a whole one from
 * WINDOW_WIDE_SIGMA_MS up (there it would cost more than a check).
 */
const WINDOW_SIGMAS = { min: 0.5, max: 1 }
const WINDOW_WIDE_SIGMA_MS = 2000
/** Inside the window: checks one standard deviation apart, at most this far... */
const WINDOW_STEP_MAX_MS = 1000
/** ...and at least this share of the time the action has run (short actions: fewer checks). */
const WINDOW_STEP_SHARE = 0.1
/** With nothing to learn from (one task), or far overdue: wait this share of the time run. */
const ELAPSED_SHARE = 0.25
/** Before any task finished, with more to come: wait this many times what the running task ran. */
const FIRST_TASK_FACTOR = 3

/**
 * When the action is expected to end (ms since epoch), from its status: the average duration of
 * the finished tasks, the running task's start, the pending tasks. Undefined when nothing can be
 * told yet (PENDING, or no task has finished).
 */
export function expectedEnd(s: ActionStatus): number | undefined {
  const tasks = s.taskDetails ?? []
  const ms = (t: string | null | undefined): number | undefined => {
    const v = t ? Date.parse(t) : NaN
    return Number.isFinite(v) ? v : undefined
  }
  const finished = tasks
    .map((t) => [ms(t.startTime), ms(t.endTime)] as const)
    .filter((x): x is readonly [number, number] => x[0] !== undefined && x[1] !== undefined)
  if (finished.length === 0) return undefined
  const avg = finished.reduce((n, [a, b]) => n + (b - a), 0) / finished.length
  const running = tasks.filter((t) => t.state === 'EXECUTING')
  const pending = tasks.filter((t) => t.state === 'PENDING').length
  const lastEnd = Math.max(...finished.map(([, b]) => b))
  const runningEnds = running.map((t) => (ms(t.startTime) ?? lastEnd) + avg)
  const from = runningEnds.length ? Math.max(...runningEnds) : lastEnd
  return from + pending * avg
}

/**
 * The expected end and its standard deviation (ms): each task still to run varies like the finished
 * ones (at least PRIOR_CV), and the average itself is uncertain when few tasks finished.
 */
export function endEstimate(s: ActionStatus): { end: number; sigma: number } | undefined {
  const end = expectedEnd(s)
  if (end === undefined) return undefined
  const tasks = s.taskDetails ?? []
  const times = tasks
    .map((t) => (t.startTime && t.endTime ? Date.parse(t.endTime) - Date.parse(t.startTime) : NaN))
    .filter((x) => Number.isFinite(x))
  const n = times.length
  const mean = times.reduce((a, b) => a + b, 0) / n
  const sd = n >= 2 ? Math.sqrt(times.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0
  const cv = Math.max(PRIOR_CV, mean > 0 ? sd / mean : 0)
  const left = Math.max(
    1,
    tasks.filter((t) => t.state === 'PENDING' || t.state === 'EXECUTING').length
  )
  return { end, sigma: cv * mean * Math.sqrt(left + (MEAN_ERROR_WEIGHT * left * left) / n) }
}

/** The running task's start (how long it has run so far). */
function currentStart(s: ActionStatus): number | undefined {
  const t = (s.taskDetails ?? []).find((x) => x.state === 'EXECUTING')
  const v = t?.startTime ? Date.parse(t.startTime) : NaN
  return Number.isFinite(v) ? v : undefined
}

export class ActionTimeoutError extends Error {
  constructor(
    readonly actionId: string,
    readonly label: string,
    readonly last: ActionStatus | undefined,
    readonly seconds: number,
    tenant: string
  ) {
    super(
      `${label} did not finish within ${seconds} s: it was still ${last?.state ?? 'not reported'} on the ${tenant} tenant ` +
        `(action id ${actionId}). The action may still be running on Qlik's side: check it with ` +
        `GET /api/v1/di-projects/actions/${actionId}?detailed=true before starting another one, or raise 'timeout'.`
    )
    this.name = 'ActionTimeoutError'
  }
}

export interface WaitResult {
  status: ActionStatus
  elapsedMs: number
  checks: number
}

const counts = (s: ActionStatus): string => {
  const p = s.taskProgress
  if (!p) return ''
  const parts = (['completed', 'executing', 'pending', 'failed', 'skipped', 'canceled'] as const)
    .map((k) => [k, p[k] ?? 0] as const)
    .filter(([k, n]) => n > 0 || k === 'completed')
    .map(([k, n]) => `${n} ${k}`)
  return parts.join(', ')
}

/** The policy of status checks: how long to wait before the next one, given the last status. */
export function pollSchedule(
  opts: Pick<WaitOptions, 'firstDelayMs' | 'maxDelayMs' | 'factor' | 'estimate' | 'floorMs'>
): { first: number; next: (status: ActionStatus, now: number, elapsedMs: number) => number } {
  let delay = opts.firstDelayMs
  return {
    first: delay,
    /**
     * `now`: wall-clock ms since epoch (the server's task times are wall-clock times);
     * `elapsedMs`: since the action was started.
     */
    next(status: ActionStatus, now: number, elapsedMs: number): number {
      if (!opts.estimate) {
        delay = Math.min(opts.maxDelayMs, delay * opts.factor)
        return delay
      }
      const floor = opts.floorMs ?? 500
      const est = endEstimate(status)
      if (est) {
        const z = Math.min(
          WINDOW_SIGMAS.max,
          Math.max(WINDOW_SIGMAS.min, est.sigma / WINDOW_WIDE_SIGMA_MS)
        )
        const windowOpens = est.end - z * est.sigma
        const step = Math.max(
          floor,
          Math.min(WINDOW_STEP_MAX_MS, Math.max(est.sigma, WINDOW_STEP_SHARE * elapsedMs))
        )
        if (windowOpens > now + floor) delay = windowOpens - now
        else if (now - est.end > 3 * est.sigma)
          // far past what the task times explain: spread out with the time overdue
          delay = Math.max(step, ELAPSED_SHARE * (now - est.end))
        else delay = step
      } else {
        const started = currentStart(status)
        const more = (status.taskDetails ?? []).some((t) => t.state === 'PENDING')
        if (started === undefined) delay *= 1.5
        else if (more) delay = Math.max(delay, FIRST_TASK_FACTOR * (now - started))
        // the only task, and no time to learn from: never notice later than a quarter of the run
        else delay = Math.min(FIRST_TASK_FACTOR * (now - started), ELAPSED_SHARE * elapsedMs)
      }
      delay = Math.min(opts.maxDelayMs, Math.max(floor, delay))
      return delay
    }
  }
}

export async function waitForAction(
  api: QlikApi,
  actionId: string,
  label: string,
  opts: WaitOptions
): Promise<WaitResult> {
  const start = opts.now()
  const schedule = pollSchedule(opts)
  let delay = schedule.first
  let lastLine = ''
  let checks = 0
  for (;;) {
    const remaining = opts.timeoutMs - (opts.now() - start)
    await opts.sleep(Math.max(0, Math.min(delay, remaining)))
    const status = await api.actionStatus(actionId)
    checks += 1
    const elapsedMs = opts.now() - start
    const tasks = counts(status)
    const line = `${status.state}${tasks ? ` (tasks: ${tasks})` : ''}`
    if (line !== lastLine) {
      opts.log(`${label}: ${line} after ${(elapsedMs / 1000).toFixed(1)} s`)
      lastLine = line
    }
    if (FINAL_STATES.includes(status.state)) return { status, elapsedMs, checks }
    if (elapsedMs >= opts.timeoutMs)
      throw new ActionTimeoutError(
        actionId,
        label,
        status,
        Math.round(opts.timeoutMs / 1000),
        api.tenant
      )
    delay = schedule.next(status, Date.now(), elapsedMs)
  }
}

/** The failed tasks of a finished action, each with its error: for logs, annotations and the summary. */
export function failedTasks(status: ActionStatus): Array<{
  name: string
  taskId: string
  state: string
  code: string
  message: string
  details: string
}> {
  return (status.taskDetails ?? [])
    .filter((t) => t.state === 'FAILED' || (t.error && t.state !== 'COMPLETED'))
    .map((t) => ({
      name: t.name ?? t.taskId ?? '(unnamed task)',
      taskId: t.taskId ?? '',
      state: t.state ?? '',
      code: t.error?.code ?? '',
      message: t.error?.message ?? t.info ?? '',
      details: t.error?.details ?? ''
    }))
}

/**
 * Waiting on anything that is not a Qlik action (a data task's runtime state, a Tasks API run):
 * read, stop when `done`, else sleep `intervalMs` and read again; past `timeoutMs` the error
 * `timedOut` makes from the last value is thrown.
 */
export async function pollUntil<T>(opts: {
  read: () => Promise<T>
  done: (value: T) => boolean
  intervalMs: number
  timeoutMs: number
  now: () => number
  sleep: (ms: number) => Promise<void>
  timedOut: (last: T) => Error
}): Promise<T> {
  const deadline = opts.now() + opts.timeoutMs
  for (;;) {
    const value = await opts.read()
    if (opts.done(value)) return value
    if (opts.now() > deadline) throw opts.timedOut(value)
    await opts.sleep(opts.intervalMs)
  }
}
