import { FINAL_STATES, type ActionStatus, type QlikApi } from '../qlik/api.js'

/**
 * Waiting on an asynchronous Qlik action. The first status check comes `firstDelayMs` after the
 * request. Then, with `estimate` (the default), the next check is placed where the status says the
 * action will end: the tasks that finished give an average task time (their start and end times),
 * the running task's start and the pending tasks' count give the expected end, and the check comes
 * just after it; past that moment checks come densely, then spread out again. Without an estimate
 * (still PENDING, or no task finished yet) the wait doubles (and is at least as long as the
 * running task has run). Never closer than `floorMs` (2 a second: the Tier 1 budget is shared by parallel jobs), never
 * further than `maxDelayMs`. Without `estimate`, checks are spaced out geometrically (x`factor`).
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

/** Just after the expected end: what the estimate aims at. */
const AFTER_END_MS = 80

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

/** The current task's start (to double the wait with the time it has run). */
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

export async function waitForAction(
  api: QlikApi,
  actionId: string,
  label: string,
  opts: WaitOptions
): Promise<WaitResult> {
  const start = opts.now()
  let delay = opts.firstDelayMs
  let lastLine = ''
  let checks = 0
  let overdue = 0
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
    if (opts.estimate) {
      const floor = opts.floorMs ?? 500
      const now = Date.now() // the server's times are wall-clock times
      const end = expectedEnd(status)
      if (end !== undefined && end + AFTER_END_MS > now) {
        overdue = 0
        delay = end + AFTER_END_MS - now
      } else if (end !== undefined) {
        // past the expected end: densely at first, then spreading out
        overdue += 1
        delay = floor * 1.5 ** (overdue - 1)
      } else {
        // nothing finished yet: a task takes at least as long as the running one has run, and
        // waiting twice as long as last time learns at least one task's time in a few checks
        const started = currentStart(status)
        delay = started !== undefined ? Math.max(now - started, delay * 2) : delay * 1.5
      }
      delay = Math.min(opts.maxDelayMs, Math.max(floor, delay))
    } else delay = Math.min(opts.maxDelayMs, delay * opts.factor)
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
