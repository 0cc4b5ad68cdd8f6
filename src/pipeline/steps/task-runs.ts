import type { Project, QlikApi, RuntimeState } from '../../qlik/api.js'
import { QlikApiError } from '../../qlik/errors.js'
import { say } from '../../text/escape.js'
import type { StepContext } from '../context.js'
import { PipelineError } from '../errors.js'
import type { TaskRunRecord } from '../../model/report.js'
import { pollUntil } from '../wait.js'
import { ACTIVE, type TaskRef } from './task-plan.js'
import type { WriteKind } from '../../model/ledger.js'

/** What the task steps share: waiting on a data task's runtime state, and recording its runs. */

/** Poll a data task's runtime state; Tier "runtime state" allows 120 a minute: never under 0.5 s. */
// eslint-disable-next-line max-params -- issue 33: to take one named object (known when the rule came in)
export function pollState(
  ctx: StepContext,
  api: QlikApi,
  projectId: string,
  taskId: string,
  done: (s: RuntimeState) => boolean,
  what: string
): Promise<RuntimeState> {
  return pollUntil({
    read: () => api.runtimeState(projectId, taskId),
    done,
    intervalMs: Math.max(500, ctx.o.pollIntervalSeconds * 1000),
    timeoutMs: ctx.o.timeoutSeconds * 1000,
    now: () => ctx.deps.clock.now(),
    sleep: (ms) => ctx.deps.clock.sleep(ms),
    timedOut: (s) =>
      new PipelineError(
        `${what}: still ${s.lastRun?.state ?? 'unknown'} after ${ctx.o.timeoutSeconds} s (timeout).`,
        what
      )
  })
}

const event = (state: string): TaskRunRecord['event'] =>
  state === 'COMPLETED'
    ? 'completed'
    : state === 'FAILED'
      ? 'failed'
      : state === 'CANCELED'
        ? 'stopped'
        : 'started'

export function recordRun(
  ctx: StepContext,
  t: TaskRef,
  why: TaskRunRecord['why'],
  s: RuntimeState
): void {
  const run = s.lastRun
  ctx.report.runs.push({
    taskId: t.id,
    name: t.name,
    type: t.type,
    why,
    event: event(run?.state ?? ''),
    state: run?.state ?? 'unknown',
    ...(run?.startTime ? { startTime: run.startTime } : {}),
    ...(run?.endTime ? { endTime: run.endTime } : {}),
    ...(run?.message ? { message: run.message } : {})
  })
}

/** Stop or start one data task, recorded in the ledger under the task's id. */
// eslint-disable-next-line max-params -- issue 33: to take one named object (known when the rule came in)
function taskWrite(
  ctx: StepContext,
  api: QlikApi,
  project: Project,
  kind: Extract<WriteKind, 'stop-task' | 'resume-task' | 'run-task'>,
  task: { id: string; name: string },
  what: string
): Promise<void> {
  const taskId = task.id
  const send =
    kind === 'stop-task'
      ? () => api.stopTask(project.id, taskId)
      : () => api.startTask(project.id, taskId)
  return ctx.ledger.record(api.host, kind, what, send, {
    taskId,
    projectId: project.id,
    subject: task.name
  })
}

/**
 * How Qlik refuses a start of a running task or a stop of a stopped one: its spec says 400 or 404,
 * and a tenant may answer 409 Conflict. All three are read the same way.
 */
const REFUSED = new Set([400, 404, 409])

/**
 * Stop or start a data task; when Qlik refuses, read the task: already where the write would have
 * put it (running for a start, not running for a stop: it ended or was changed in between), the
 * refusal is said and the run goes on ('already'; the ledger keeps the write as refused, nothing
 * was changed by it). Any other refusal stands.
 */
// eslint-disable-next-line max-params -- issue 33: to take one named object (known when the rule came in)
export async function taskWriteOrAlready(
  ctx: StepContext,
  api: QlikApi,
  project: Project,
  kind: Extract<WriteKind, 'stop-task' | 'resume-task' | 'run-task'>,
  task: { id: string; name: string },
  what: string
): Promise<'sent' | 'already'> {
  try {
    await taskWrite(ctx, api, project, kind, task, what)
    return 'sent'
  } catch (e) {
    if (!(e instanceof QlikApiError) || !REFUSED.has(e.status ?? 0)) throw e
    const s = await api.runtimeState(project.id, task.id)
    const running = ACTIVE.has(s.lastRun?.state ?? '')
    if (kind === 'stop-task' ? running : !running) throw e
    ctx.log.info(
      say`Qlik refused to ${kind === 'stop-task' ? 'stop' : 'start'} '${task.name}' (${String(e.status)} ${e.details.title ?? ''}: ${e.details.detail ?? ''}); it is ${running ? `already running (${s.lastRun?.state ?? ''})` : `not running (${s.lastRun?.state ?? 'no run'})`}, so the run goes on.`
    )
    return 'already'
  }
}

/** A task's kind in a log line: its type, and whether it runs continuously. */
export const kindOf = (t: TaskRef): string => `${t.type}${t.continuous ? ', continuous' : ''}`
