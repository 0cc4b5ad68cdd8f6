import { randomUUID } from 'node:crypto'
import { iso } from '../clock.js'
import { newId, type DataTask, type Project, type RunRecord, type Tenant } from '../state.js'

/**
 * Data task runs (runtime start / stop / state / run history) and the lifecycle events they emit
 * (seed 002: com.qlik.v1.di-projects.di-tasks.{started,completed,failed,stopped}). Like actions,
 * a run's state is computed from the clock; events are recorded once, stamped with the moment of
 * the transition, whenever the simulator catches up (on each request or event-log read).
 */

export type RunState = 'STARTING' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELED' | 'STOPPING'

export const STOPPING_MS = 100

export interface CloudEvent {
  id: string
  type: string
  source: string
  specversion: '1.0'
  datacontenttype: 'application/json'
  time: string
  tenantid: string
  userid: string
  subject: string
  data: Record<string, unknown>
}

export interface RunTiming {
  taskStartingMs: number
  taskRunMs: number
}

export function runStateAt(run: RunRecord, now: number, timing: RunTiming): RunState {
  if (run.stoppedAt !== undefined && (run.endsAt === undefined || run.stoppedAt < run.endsAt)) {
    return now < run.stoppedAt + STOPPING_MS ? 'STOPPING' : 'CANCELED'
  }
  if (now < run.startedAt + timing.taskStartingMs) return 'STARTING'
  if (run.endsAt === undefined || now < run.endsAt) return 'RUNNING'
  return run.outcome
}

export function isRunActive(state: RunState): boolean {
  return state === 'STARTING' || state === 'RUNNING' || state === 'STOPPING'
}

export function startRun(task: DataTask, now: number, timing: RunTiming): RunRecord {
  const run: RunRecord = {
    runId: newId(12),
    startedAt: now,
    outcome: task.failRun !== undefined ? 'FAILED' : 'COMPLETED',
    emitted: new Set()
  }
  if (task.failRun !== undefined) run.error = task.failRun
  // Continuous (CDC) tasks keep running until stopped; a failing one fails after its run time.
  if (!task.continuous || task.failRun !== undefined) {
    run.endsAt = now + timing.taskStartingMs + timing.taskRunMs
  }
  task.reloadRequested = false
  task.runs.push(run)
  return run
}

const hms = (ms: number): string => {
  const s = Math.max(0, Math.floor(ms / 1000))
  const pad = (n: number): string => String(n).padStart(2, '0')
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`
}

/** GET .../runtime/state and .../runs/{runId}/state */
export function runtimeStateBody(
  task: DataTask,
  run: RunRecord | undefined,
  now: number,
  timing: RunTiming
): Record<string, unknown> {
  const readiness = !task.prepared
    ? { state: 'NOT_RUNNABLE', message: 'The task must be prepared before it can run.' }
    : run && isRunActive(runStateAt(run, now, timing))
      ? { state: 'ALREADY_RUNNING', message: 'The task is already running.' }
      : { state: 'READY_TO_RUN', message: '' }
  const body: Record<string, unknown> = {
    name: task.name,
    type: task.type,
    runReadiness: readiness
  }
  if (run) body.lastRun = runInstance(task, run, now, timing)
  return body
}

export function runInstance(
  task: DataTask,
  run: RunRecord,
  now: number,
  timing: RunTiming
): Record<string, unknown> {
  const state = runStateAt(run, now, timing)
  const final = !isRunActive(state)
  const end = final
    ? run.stoppedAt !== undefined
      ? run.stoppedAt + STOPPING_MS
      : run.endsAt
    : undefined
  const datasets = task.datasets.length
  return {
    state,
    startTime: iso(run.startedAt),
    ...(end !== undefined ? { endTime: iso(end) } : {}),
    duration: hms((end ?? now) - run.startedAt),
    message: state === 'FAILED' ? (run.error ?? 'The run failed.') : '',
    errors:
      state === 'FAILED'
        ? [
            {
              code: 'QDI-RUN-FAILED',
              title: 'The task run failed',
              detail: run.error ?? '',
              status: 500
            }
          ]
        : [],
    general: {
      datasetCount: datasets,
      datasetsInErrorCount: state === 'FAILED' ? datasets : 0
    },
    fullLoad: {
      completedCount:
        state === 'COMPLETED' || (task.continuous && state === 'RUNNING') ? datasets : 0,
      errorCount: state === 'FAILED' ? datasets : 0,
      loadingCount: state === 'RUNNING' && !task.continuous ? datasets : 0,
      queuedCount: state === 'STARTING' ? datasets : 0
    },
    traceId: run.runId
  }
}

/** Run history item (POST .../runtime/runs/actions/search). */
export function runItem(
  task: DataTask,
  run: RunRecord,
  now: number,
  timing: RunTiming
): Record<string, unknown> {
  const inst = runInstance(task, run, now, timing)
  return {
    runId: run.runId,
    status: inst.state === 'STOPPING' ? 'RUNNING' : inst.state,
    startTime: inst.startTime,
    ...(inst.endTime ? { endTime: inst.endTime } : {}),
    duration: inst.duration,
    datasetsCount: task.datasets.length,
    datasetsErrorCount: inst.state === 'FAILED' ? task.datasets.length : 0,
    ...(inst.state === 'FAILED' ? { errorMessage: run.error ?? 'The run failed.' } : {})
  }
}

/** Record the lifecycle events of every run up to `now`, in time order. */
export function collectEvents(
  tenant: Tenant,
  now: number,
  timing: RunTiming,
  out: CloudEvent[]
): void {
  const pending: CloudEvent[] = []
  const emit = (
    project: Project,
    task: DataTask,
    run: RunRecord,
    kind: 'started' | 'completed' | 'failed' | 'stopped',
    at: number
    // eslint-disable-next-line max-params -- issue 33: to take one named object (known when the rule came in)
  ): void => {
    if (run.emitted.has(kind) || at > now) return
    run.emitted.add(kind)
    const data: Record<string, unknown> = {
      dataTask: {
        id: task.id,
        name: task.name,
        type: task.type,
        ownerId: project.ownerId,
        spaceId: project.spaceId,
        projectId: project.id,
        description: task.description
      },
      startTime: iso(run.startedAt),
      startedBy: tenant.ownerId
    }
    if (kind !== 'started') data.endTime = iso(at)
    if (kind === 'failed') {
      data.errorDetails = {
        code: 'QDI-RUN-FAILED',
        title: 'The task run failed',
        source: 'com.qlik/qdi-app-manager',
        status: 500
      }
      data.errorMessage = run.error ?? 'The run failed.'
    }
    pending.push({
      id: randomUUID(),
      type: `com.qlik.v1.di-projects.di-tasks.${kind}`,
      source: 'com.qlik/data-app-design',
      specversion: '1.0',
      datacontenttype: 'application/json',
      time: iso(at),
      tenantid: tenant.id,
      userid: tenant.ownerId,
      subject: `di-task/${task.id}`,
      data
    })
  }
  for (const project of tenant.projects) {
    for (const task of project.tasks) {
      for (const run of task.runs) {
        const runningAt = run.startedAt + timing.taskStartingMs
        const stoppedEarly =
          run.stoppedAt !== undefined && (run.endsAt === undefined || run.stoppedAt < run.endsAt)
        if (!stoppedEarly || (run.stoppedAt as number) >= runningAt) {
          emit(project, task, run, 'started', runningAt)
        }
        if (stoppedEarly)
          emit(project, task, run, 'stopped', (run.stoppedAt as number) + STOPPING_MS)
        else if (run.endsAt !== undefined)
          emit(project, task, run, run.outcome === 'FAILED' ? 'failed' : 'completed', run.endsAt)
      }
    }
  }
  pending.sort((a, b) => a.time.localeCompare(b.time))
  out.push(...pending)
}
