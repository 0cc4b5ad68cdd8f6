/**
 * A model of waiting on Qlik actions, in virtual time: thousands of actions whose tasks run one by
 * one or side by side, with durations that vary (uniformly by +-spread around the mean), each
 * waited on by a polling schedule fed only what Qlik's status says: the state and the task counts
 * (`taskProgress`). It measures status checks per action and how late the end is noticed, without
 * a clock or a server, so `npm run bench` can compare the default polling with fixed intervals on
 * many more actions than a real run allows, and a unit test can pin that comparison.
 */
import type { ActionStatus } from '../src/qlik/api.js'
import { DEFAULT_WAIT, pollSchedule } from '../src/pipeline/wait.js'

export interface ActionProfile {
  name: string
  /** Time before the first task starts (the action is PENDING). */
  pendingMs: number
  /** Mean task duration. */
  taskMs: number
  tasks: number
  /** The tasks run side by side and end together (no progress to learn from). */
  parallel?: boolean
  /** Side by side and of one length (drawn per action): every task ends at the same instant. */
  endTogether?: boolean
}

/** Whether the answers give nothing to learn from: one task, or tasks side by side. */
export const idle = (p: ActionProfile): boolean => p.parallel === true || p.tasks === 1

export interface Schedule {
  first: number
  next: (status: ActionStatus, elapsedMs: number) => number
}

export interface ModelResult {
  checks: number
  meanLateMs: number
  maxLateMs: number
  /** Status checks a second, over the actions' true lengths. */
  perSecond: number
}

/** The action's default polling, as the pipeline uses it (poll-interval 2 s). */
export const defaultPolling = (): Schedule => pollSchedule({ firstDelayMs: 2000, ...DEFAULT_WAIT })
/** Fixed polling every `ms`. */
export const fixedPolling = (ms: number) => (): Schedule => ({ first: ms, next: () => ms })

/** What Qlik's status says at `t` ms after the action started; done when every task has ended. */
export function statusAt(
  t: number,
  pendingMs: number,
  durations: number[],
  parallel = false
): { s: ActionStatus; done: boolean } {
  const progress = { pending: 0, executing: 0, completed: 0, failed: 0, canceled: 0, skipped: 0 }
  let at = pendingMs
  for (const d of durations) {
    const start = parallel ? pendingMs : at
    if (t >= start + d) progress.completed += 1
    else if (t >= start) progress.executing += 1
    else progress.pending += 1
    at += d
  }
  const done = progress.completed === durations.length
  const state = t < pendingMs ? 'PENDING' : done ? 'COMPLETED' : 'EXECUTING'
  return { s: { state, taskProgress: progress } as ActionStatus, done }
}

/** A small deterministic generator, so every run of the model gives the same numbers. */
function random(seed: number): () => number {
  let x = seed >>> 0
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0
    return x / 2 ** 32
  }
}

export function simulate(
  schedule: () => Schedule,
  p: ActionProfile,
  spread: number,
  trials: number,
  seed = 7
): ModelResult {
  const r = random(seed)
  let checks = 0
  let late = 0
  let maxLate = 0
  let length = 0
  for (let i = 0; i < trials; i++) {
    const one = p.endTogether ? Math.max(1, p.taskMs * (1 + spread * (r() * 2 - 1))) : 0
    const durations = Array.from({ length: p.tasks }, () =>
      p.endTogether ? one : Math.max(1, p.taskMs * (1 + spread * (r() * 2 - 1)))
    )
    const end =
      p.pendingMs + (p.parallel ? Math.max(...durations) : durations.reduce((a, b) => a + b, 0))
    const s = schedule()
    let t = s.first
    for (;;) {
      checks += 1
      const { s: status, done } = statusAt(t, p.pendingMs, durations, p.parallel)
      if (done) break
      t += s.next(status, t)
    }
    late += t - end
    maxLate = Math.max(maxLate, t - end)
    length += end
  }
  return {
    checks: checks / trials,
    meanLateMs: late / trials,
    maxLateMs: maxLate,
    perSecond: (checks * 1000) / length
  }
}

/** The profiles the benchmark reports: 6 s, 30 s and minutes; one task and many; together or one by one. */
export const MODEL_PROFILES: ActionProfile[] = [
  { name: '6 s, 4 tasks one by one', pendingMs: 600, taskMs: 1350, tasks: 4 },
  { name: '6 s, 1 task', pendingMs: 600, taskMs: 5400, tasks: 1 },
  { name: '6 s, 4 tasks together', pendingMs: 600, taskMs: 4200, tasks: 4, parallel: true },
  { name: '30 s, 8 tasks one by one', pendingMs: 1000, taskMs: 3600, tasks: 8 },
  { name: '30 s, 1 task', pendingMs: 1000, taskMs: 29_000, tasks: 1 },
  { name: '30 s, 8 tasks together', pendingMs: 1000, taskMs: 21_000, tasks: 8, parallel: true },
  {
    name: '30 s, both tasks end together',
    pendingMs: 1000,
    taskMs: 29_000,
    tasks: 2,
    parallel: true,
    endTogether: true
  },
  { name: '3 min, 10 tasks one by one', pendingMs: 5000, taskMs: 17_500, tasks: 10 },
  { name: '3 min, 1 task', pendingMs: 5000, taskMs: 175_000, tasks: 1 },
  { name: '5 min, 10 tasks together', pendingMs: 5000, taskMs: 215_000, tasks: 10, parallel: true }
]
