/**
 * A model of waiting on Qlik actions, in virtual time: thousands of actions whose tasks run one
 * after another with durations that vary (uniformly by +-spread around the mean), each waited on
 * by a polling schedule fed the status such an action reports (task states, start and end times).
 * It measures status checks per action and how late the end is noticed, without a clock or a
 * server, so `npm run bench` can compare the default polling with fixed intervals on many more
 * actions than a real run allows, and a unit test can pin that comparison.
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
}

export interface Schedule {
  first: number
  next: (status: ActionStatus, now: number, elapsedMs: number) => number
}

export interface ModelResult {
  checks: number
  meanLateMs: number
  maxLateMs: number
}

/** The action's default polling, as the pipeline uses it (poll-interval 2 s). */
export const defaultPolling = (): Schedule => pollSchedule({ firstDelayMs: 2000, ...DEFAULT_WAIT })
/** Fixed polling every `ms`. */
export const fixedPolling = (ms: number) => (): Schedule => ({ first: ms, next: () => ms })

const EPOCH = Date.parse('2026-01-01T00:00:00.000Z')
const iso = (t: number): string => new Date(EPOCH + t).toISOString()

/** The status at `t` ms after the action started; done when every task has ended. */
function statusAt(
  t: number,
  pendingMs: number,
  durations: number[]
): { s: ActionStatus; done: boolean } {
  if (t < pendingMs)
    return {
      s: {
        state: 'PENDING',
        taskDetails: durations.map(() => ({ state: 'PENDING' }))
      } as ActionStatus,
      done: false
    }
  let at = pendingMs
  const taskDetails: Array<Record<string, string>> = []
  for (const d of durations) {
    if (t >= at + d)
      taskDetails.push({ state: 'COMPLETED', startTime: iso(at), endTime: iso(at + d) })
    else if (t >= at) taskDetails.push({ state: 'EXECUTING', startTime: iso(at) })
    else taskDetails.push({ state: 'PENDING' })
    at += d
  }
  const done = t >= at
  return { s: { state: done ? 'COMPLETED' : 'EXECUTING', taskDetails } as ActionStatus, done }
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
  for (let i = 0; i < trials; i++) {
    const durations = Array.from({ length: p.tasks }, () =>
      Math.max(1, p.taskMs * (1 + spread * (r() * 2 - 1)))
    )
    const end = p.pendingMs + durations.reduce((a, b) => a + b, 0)
    const s = schedule()
    let t = s.first
    for (;;) {
      checks += 1
      const { s: status, done } = statusAt(t, p.pendingMs, durations)
      if (done) break
      t += s.next(status, EPOCH + t, t)
    }
    late += t - end
    maxLate = Math.max(maxLate, t - end)
  }
  return { checks: checks / trials, meanLateMs: late / trials, maxLateMs: maxLate }
}

/** The profiles the benchmark reports: short and long actions as the issue describes them. */
export const MODEL_PROFILES: ActionProfile[] = [
  { name: 'short, 6 s (4 tasks)', pendingMs: 600, taskMs: 1350, tasks: 4 },
  { name: 'short, 15 s (4 tasks)', pendingMs: 600, taskMs: 3400, tasks: 4 },
  { name: 'short, 6 s (2 tasks)', pendingMs: 600, taskMs: 2700, tasks: 2 },
  { name: 'short, 15 s (8 tasks)', pendingMs: 600, taskMs: 1800, tasks: 8 },
  { name: 'long, 1 min (4 tasks)', pendingMs: 5000, taskMs: 14_000, tasks: 4 },
  { name: 'long, 3 min (10 tasks)', pendingMs: 5000, taskMs: 18_000, tasks: 10 },
  { name: 'one task, 6 s', pendingMs: 600, taskMs: 5400, tasks: 1 },
  { name: 'one task, 1 min', pendingMs: 5000, taskMs: 60_000, tasks: 1 }
]
