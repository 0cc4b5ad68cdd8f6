import type { ActionStatus } from '../qlik/api.js'

/**
 * When to check an asynchronous Qlik action again, from what Qlik returns and nothing more: the
 * state, the `taskProgress` counts, and this client's own clock (when each check was made and what
 * it saw). Qlik's status has no per-task times, and a completed action may answer null start and
 * end times (qlik.dev's tutorial shows it), so nothing here reads a time from the server.
 *
 * - Without anything to predict from (PENDING, one task, tasks running side by side, or a
 *   prediction that turned out wrong): the next check comes after a share of the time the action
 *   has run (`ELAPSED_SHARE`, at least two floors: 1 s; at most `BASE_CAP_MS`). At most one check a
 *   second, about half a second late up to 25 s; then lateness grows with the action's length and
 *   the check rate falls for long actions (one every 5.5 s from ~2 min).
 * - Tasks running one by one (at most one EXECUTING): the first task's end is learnt by checks
 *   spaced as long as it has run (`LEARN_FACTOR`); from then on each completion seen, with the interval in
 *   which it happened, gives the average task time and so the expected end and its uncertainty.
 *   Far from the end the next check goes where the uncertain window opens (one jump, at most
 *   `maxDelayMs`); inside it the checks are half an uncertainty apart, never sparser than
 *   without a prediction.
 * - Never closer than `floorMs` (2 a second per action: Tier 1 is shared by parallel jobs).
 * `scripts/poll-model.ts` measures it on thousands of modelled actions, `npm run bench` on the
 * simulator (a virtual clock, real HTTP).
 */

export interface PollPolicyOptions {
  firstDelayMs: number
  maxDelayMs: number
  factor: number
  /** Predict from the task counts (default true); false: geometric steps (x`factor`). */
  estimate?: boolean
  /** Closest two checks may be (default 500 ms). */
  floorMs?: number
}

/** Without a prediction: wait this share of the time the action has run... */
export const ELAPSED_SHARE = 0.04
/**
 * ...and at least this many floors (1 s with the default floor): with nothing to learn from, at
 * most one check a second, half a second late on average, until the share takes over (25 s).
 */
export const IDLE_FLOORS = 2
/** ...but never more than this (actions of minutes: about 2.75 s late on average). */
export const BASE_CAP_MS = 5500
/** Before the first task ends: wait this many times the running task's age (learn its time). */
const LEARN_FACTOR = 1
/** Task times vary this much (coefficient of variation) around their average. */
const TASK_CV = 0.3
/** The uncertain window opens this many standard deviations before the expected end. */
const WINDOW_SIGMAS = 1.5
/** Past the expected end by this many standard deviations, the prediction is dropped. */
const OVERDUE_SIGMAS = 3

interface Seen {
  /** ms since the action was started, on this client's clock */
  at: number
  state: string
  done: number
  executing: number
  total: number
}

const counts = (s: ActionStatus): Omit<Seen, 'at' | 'state'> => {
  const p = s.taskProgress ?? {}
  const done = (p.completed ?? 0) + (p.failed ?? 0) + (p.skipped ?? 0) + (p.canceled ?? 0)
  const executing = p.executing ?? 0
  return { done, executing, total: done + executing + (p.pending ?? 0) }
}

/** An instant known to lie between two checks: its middle and its standard deviation. */
const between = (lo: number, hi: number): { mid: number; sd: number } => ({
  mid: (lo + hi) / 2,
  sd: (hi - lo) / Math.sqrt(12)
})

/**
 * The expected end (ms since the start) and its standard deviation, when the checks so far let
 * one tell: tasks one by one, at least one finished. Undefined otherwise.
 */
export function predictEnd(seen: readonly Seen[]): { end: number; sigma: number } | undefined {
  const last = seen.at(-1)
  if (!last || last.state !== 'EXECUTING' || last.total < 2 || last.done === 0) return undefined
  if (seen.some((x) => x.executing > 1)) return undefined // side by side: counts tell nothing
  const firstRun = seen.findIndex((x) => x.state !== 'PENDING')
  if (firstRun < 0) return undefined
  const began = between(seen[firstRun - 1]?.at ?? 0, seen[firstRun]!.at)
  const k = seen.findIndex((x) => x.done === last.done)
  const ended = between(seen[k - 1]?.at ?? 0, seen[k]!.at)
  const mean = Math.max(1, (ended.mid - began.mid) / last.done)
  const meanSd = Math.hypot(ended.sd, began.sd) / last.done
  const left = last.total - last.done
  const end = ended.mid + left * mean
  const sigma = Math.sqrt(left * (TASK_CV * mean) ** 2 + (left * meanSd) ** 2 + ended.sd ** 2)
  return { end, sigma }
}

/** The policy of status checks of one action: the first wait, then each next one. */
export function pollSchedule(opts: PollPolicyOptions): {
  first: number
  /** `elapsedMs`: since the action was started, on this client's clock. */
  next: (status: ActionStatus, elapsedMs: number) => number
} {
  let delay = opts.firstDelayMs
  const floor = opts.floorMs ?? 500
  const seen: Seen[] = []
  const clamp = (ms: number, max: number): number => Math.min(max, Math.max(floor, ms))
  return {
    first: delay,
    next(status: ActionStatus, elapsedMs: number): number {
      if (!opts.estimate) {
        delay = Math.min(opts.maxDelayMs, delay * opts.factor)
        return delay
      }
      const now = elapsedMs
      seen.push({ at: now, state: status.state, ...counts(status) })
      const cap = Math.min(BASE_CAP_MS, opts.maxDelayMs)
      const base = clamp(Math.max(IDLE_FLOORS * floor, ELAPSED_SHARE * now), cap)
      const last = seen.at(-1)!
      const p = predictEnd(seen)
      if (p && now <= p.end + OVERDUE_SIGMAS * p.sigma) {
        const opens = p.end - WINDOW_SIGMAS * p.sigma
        // far from the end: one jump to where the window opens; in it: half an uncertainty apart
        delay = opens - now > base ? clamp(opens - now, opts.maxDelayMs) : clamp(p.sigma / 2, base)
      } else if (
        last.state === 'EXECUTING' &&
        last.done === 0 &&
        last.executing <= 1 &&
        last.total > 1
      ) {
        // the first of several tasks is running: its time is what there is to learn
        const began = seen.find((x) => x.state !== 'PENDING')!
        delay = clamp(Math.max(base, LEARN_FACTOR * (now - began.at)), cap)
      } else delay = base
      return delay
    }
  }
}
