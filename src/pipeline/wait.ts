import { FINAL_STATES, type ActionStatus, type QlikApi } from '../qlik/api.js'
import { pollSchedule, type PollPolicyOptions } from './poll-policy.js'

/**
 * Waiting on an asynchronous Qlik action: the first status check `firstDelayMs` after the request,
 * then where `pollSchedule` (poll-policy.ts) puts them, from the state, the task counts and this
 * client's clock. A line whenever the state or the task counts change; bounded by `timeoutMs`.
 */

export { pollSchedule }

export interface WaitOptions extends PollPolicyOptions {
  timeoutMs: number
  sleep: (ms: number) => Promise<void>
  now: () => number
  log: (line: string) => void
  /** A terminal's live status line: given, it replaces the 30 s heartbeat lines of the log. */
  status?: (line: string) => void
}

/** The longest a wait stays silent in the log: a prepare on a real tenant takes minutes. */
export const HEARTBEAT_MS = 30_000

export const DEFAULT_WAIT = { maxDelayMs: 10_000, factor: 1.05, estimate: true, floorMs: 500 }

export class ActionTimeoutError extends Error {
  // eslint-disable-next-line max-params -- issue 33: to take one named object (known when the rule came in)
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
  const schedule = pollSchedule(opts)
  let delay = schedule.first
  let lastLine = ''
  let lastLogged = 0
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
      lastLogged = elapsedMs
    } else if (opts.status) {
      opts.status(`${label}: ${line}, ${(elapsedMs / 1000).toFixed(0)} s`)
    } else if (elapsedMs - lastLogged >= HEARTBEAT_MS) {
      // a long wait is never silent: a line at least every 30 s, whatever the action says
      opts.log(`${label}: still ${line} after ${(elapsedMs / 1000).toFixed(1)} s`)
      lastLogged = elapsedMs
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
    delay = schedule.next(status, elapsedMs)
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
