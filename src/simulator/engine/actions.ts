import { iso } from '../clock.js'
import { newId } from '../state.js'

/**
 * Asynchronous actions (import-async, prepare, validate, task prepare/validate/recreate).
 * An action is PENDING for `pendingMs`, then runs its tasks one after another (`taskMs` each),
 * then ends COMPLETED, FAILED, CANCELED or SKIPPED. Its state is computed from the clock, so a
 * status read at any moment sees exactly where it is; side effects (an import applying its
 * content, tasks becoming prepared) happen once, when the action is settled at its end.
 */

export type ActionState = 'PENDING' | 'EXECUTING' | 'COMPLETED' | 'FAILED' | 'CANCELED' | 'SKIPPED'
export type FinalState = Exclude<ActionState, 'PENDING' | 'EXECUTING'>
export type ActionType =
  | 'PROJECT_PREPARE'
  | 'PROJECT_VALIDATE'
  | 'TASK_PREPARE'
  | 'TASK_VALIDATE'
  | 'PROJECT_IMPORT'
  | 'TASK_RECREATE_DATASETS'

export interface ActionError {
  code: string
  message: string
  details: string
}

export interface ActionTaskPlan {
  taskId: string
  name: string
  outcome: 'COMPLETED' | 'FAILED' | 'SKIPPED' | 'CANCELED'
  info?: string
  error?: ActionError
}

export interface ActionPlan {
  type: ActionType
  name: string
  tenant: string
  projectId: string
  tasks: ActionTaskPlan[]
  /** Overall outcome; derived from the tasks when not given. */
  outcome?: FinalState
  error?: ActionError
  neverFinish?: boolean
  pendingMs: number
  taskMs: number
  /** Task durations vary by up to this fraction of taskMs (0: all equal), deterministically. */
  taskSpread?: number
  /**
   * With a seed, the variation follows the seed and the action's ordinal on its tenant instead of
   * its random id: simulators with the same seed run the same durations (fair comparisons).
   */
  taskSeed?: string
  /** Fill the action's startTime and endTime (Qlik's tutorial shows them null). */
  times?: boolean
  /** The tasks run at the same time (they end together) instead of one after another. */
  parallel?: boolean
  /** Side by side, one duration for all (varied per action): every task ends at the same instant. */
  endTogether?: boolean
  /** Called once when the action ends, with its final outcome and per-task outcomes. */
  onSettled?: (outcome: FinalState, tasks: ActionTaskPlan[]) => void
}

export interface Action extends ActionPlan {
  id: string
  createdAt: number
  /** How long each task runs (taskMs, varied by taskSpread). */
  durations: number[]
  outcome: FinalState
  settled: boolean
}

export interface ActionStatus {
  name: string
  type: ActionType
  state: ActionState
  startTime: string | null
  endTime: string | null
  error?: ActionError
  taskProgress: {
    pending: number
    executing: number
    completed: number
    failed: number
    canceled: number
    skipped: number
  }
  taskDetails: Array<{
    taskId: string
    name: string
    state: ActionState
    info?: string
    error?: ActionError
  }> | null
}

export class ActionEngine {
  private readonly actions = new Map<string, Action>()
  /** Actions created so far per tenant (the ordinal a taskSeed varies durations by). */
  private readonly created = new Map<string, number>()

  create(plan: ActionPlan, now: number): Action {
    // Once a task fails, the tasks after it do not run: they are skipped.
    let failedSeen = false
    const tasks = plan.tasks.map((t) => {
      if (failedSeen && t.outcome === 'COMPLETED') {
        return {
          ...t,
          outcome: 'SKIPPED' as const,
          info: 'Skipped because an earlier task failed.'
        }
      }
      if (t.outcome === 'FAILED') failedSeen = true
      return t
    })
    const outcome: FinalState =
      plan.outcome ?? (tasks.some((t) => t.outcome === 'FAILED') ? 'FAILED' : 'COMPLETED')
    let error = plan.error
    if (!error && outcome === 'FAILED') {
      const failed = tasks.filter((t) => t.outcome === 'FAILED')
      error = {
        code: `DI-${plan.type.replace(/_/g, '-')}-FAILED`,
        message: `${failed.length} of ${tasks.length} task(s) failed`,
        details: failed.map((t) => `${t.name}: ${t.error?.message ?? 'failed'}`).join('; ')
      }
    }
    const id = newId(16)
    const ordinal = (this.created.get(plan.tenant) ?? 0) + 1
    this.created.set(plan.tenant, ordinal)
    const key = plan.taskSeed !== undefined ? `${plan.taskSeed}:${plan.tenant}:${ordinal}` : id
    const spread = Math.min(0.95, Math.max(0, plan.taskSpread ?? 0))
    const durations = tasks.map((_, i) => {
      // a deterministic value in [-1, 1] per action (or seed and ordinal) and task
      let h = 2166136261
      for (const c of `${key}:${plan.endTogether ? 0 : i}`)
        h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0
      // FNV alone leaves neighbouring tasks (keys differing in the last character) close together:
      // a final avalanche (murmur3's fmix32) makes each task's variation independent of the last
      h ^= h >>> 16
      h = Math.imul(h, 0x85ebca6b)
      h ^= h >>> 13
      h = Math.imul(h, 0xc2b2ae35)
      h = (h ^ (h >>> 16)) >>> 0
      const u = (h / 0xffffffff) * 2 - 1
      return Math.max(1, Math.round(plan.taskMs * (1 + spread * u)))
    })
    const action: Action = {
      ...plan,
      tasks,
      durations,
      outcome,
      ...(error ? { error } : {}),
      id,
      createdAt: now,
      settled: false
    }
    this.actions.set(action.id, action)
    return action
  }

  get(id: string): Action | undefined {
    return this.actions.get(id)
  }

  /** Actions of a project that have not ended yet. */
  running(projectId: string, now: number): Action[] {
    return [...this.actions.values()].filter(
      (a) => a.projectId === projectId && !isFinal(this.stateAt(a, now))
    )
  }

  endTime(a: Action): number | undefined {
    if (a.neverFinish) return undefined
    const run = a.parallel ? Math.max(0, ...a.durations) : a.durations.reduce((x, y) => x + y, 0)
    return a.createdAt + a.pendingMs + (a.tasks.length === 0 ? a.taskMs : run)
  }

  stateAt(a: Action, now: number): ActionState {
    const elapsed = now - a.createdAt
    if (elapsed < a.pendingMs) return 'PENDING'
    const end = this.endTime(a)
    if (end === undefined || now < end) return 'EXECUTING'
    return a.outcome
  }

  /** Apply the side effects of every action that has ended by `now` (once each, in end order). */
  settle(now: number): void {
    for (const a of this.actions.values()) {
      if (a.settled) continue
      if (!isFinal(this.stateAt(a, now))) continue
      a.settled = true
      a.onSettled?.(a.outcome, a.tasks)
    }
  }

  status(a: Action, now: number, detailed: boolean): ActionStatus {
    const state = this.stateAt(a, now)
    const progress = { pending: 0, executing: 0, completed: 0, failed: 0, canceled: 0, skipped: 0 }
    const details: NonNullable<ActionStatus['taskDetails']> = []
    const runStart = a.createdAt + a.pendingMs
    a.tasks.forEach((t, i) => {
      const start = a.parallel
        ? runStart
        : runStart + a.durations.slice(0, i).reduce((x, y) => x + y, 0)
      const end = start + (a.durations[i] ?? a.taskMs)
      let s: ActionState
      if (state === 'PENDING') s = 'PENDING'
      else if (isFinal(state)) s = t.outcome
      else {
        const last = i === a.tasks.length - 1
        if (now < start) s = 'PENDING'
        else if (now < end || (a.neverFinish && (last || a.parallel))) s = 'EXECUTING'
        else s = t.outcome
      }
      const key = s.toLowerCase() as keyof typeof progress
      progress[key] += 1
      const done = isFinal(s)
      details.push({
        taskId: t.taskId,
        name: t.name,
        state: s,
        // Qlik's types give info as a string and error as an object, never null: absent if none
        ...(done && t.info ? { info: t.info } : {}),
        ...(done && t.error ? { error: t.error } : {})
      })
    })
    const end = this.endTime(a)
    return {
      name: a.name,
      type: a.type,
      state,
      // Qlik's tutorial shows a completed action answering null times: the simulator does too
      // unless its configuration asks for them (timing.actionTimes, for the benchmark)
      startTime: a.times && state !== 'PENDING' ? iso(runStart) : null,
      endTime: a.times && isFinal(state) && end !== undefined ? iso(end) : null,
      ...(isFinal(state) && a.error ? { error: a.error } : {}),
      taskProgress: progress,
      taskDetails: detailed ? details : null
    }
  }
}

export function isFinal(state: ActionState): state is FinalState {
  return state === 'COMPLETED' || state === 'FAILED' || state === 'CANCELED' || state === 'SKIPPED'
}
