import { say } from '../../text/escape.js'
import type { Project, QlikApi, RuntimeState } from '../../qlik/api.js'
import type { StepContext } from '../context.js'
import { PipelineError } from '../errors.js'
import { ACTIVE, type TaskRef } from './task-plan.js'
import { kindOf, pollState, recordRun, taskWriteOrAlready } from './task-runs.js'

export const RUN_TASKS = 'Run the data tasks'

/** The words of a failed run: its errors, its message, and the run history's last entries. */
// eslint-disable-next-line max-params -- issue 33: to take one named object (known when the rule came in)
async function failureWords(
  ctx: StepContext,
  api: QlikApi,
  projectId: string,
  t: TaskRef,
  s: RuntimeState
): Promise<string> {
  const errs = (s.lastRun?.errors ?? [])
    .map((e) => [e.title, e.detail].filter(Boolean).join(': ') + (e.code ? ` (${e.code})` : ''))
    .filter(Boolean)
  let history = ''
  try {
    const runs = await api.searchRuns(projectId, t.id, 3)
    history = runs.length
      ? ` Recent runs: ${runs
          .map(
            (r) =>
              `${r.runId ?? '?'} ${r.status ?? '?'}${r.startTime ? ` at ${r.startTime}` : ''}${r.errorMessage ? ` (${r.errorMessage})` : ''}`
          )
          .join(', ')}.`
      : ''
  } catch {
    // the history is a help, not a condition
  }
  return `${[s.lastRun?.message, ...errs].filter(Boolean).join('; ') || 'no message'}.${history}`
}

/**
 * run-tasks: start each task (one already running, e.g. resumed, is watched, not started twice)
 * and wait: a batch task must reach COMPLETED; a continuous one must be RUNNING and still be after
 * run-healthy-seconds. The first failure ends the run with the task's own words.
 */
export async function runTasks(
  ctx: StepContext,
  api: QlikApi,
  project: Project,
  tasks: TaskRef[]
): Promise<string> {
  for (const t of tasks) {
    const before = await api.runtimeState(project.id, t.id)
    let alreadyRunning = ACTIVE.has(before.lastRun?.state ?? '')
    if (!alreadyRunning) {
      // started by someone else in between: Qlik refuses ours, and the run it has is watched
      const sent = await taskWriteOrAlready(
        ctx,
        api,
        project,
        'run-task',
        t,
        say`run task '${t.name}'`
      )
      alreadyRunning = sent === 'already'
      if (sent === 'sent') ctx.log.info(say`Started '${t.name}' (${kindOf(t)})`)
    } else ctx.log.info(say`'${t.name}' is already running: watching it`)
    const isNew = (s: RuntimeState): boolean =>
      alreadyRunning || (s.lastRun?.startTime ?? '') !== (before.lastRun?.startTime ?? '')
    const what = say`Run '${t.name}'`
    let s = await pollState(
      ctx,
      api,
      project.id,
      t.id,
      (x) =>
        isNew(x) &&
        (t.continuous ? x.lastRun?.state !== 'STARTING' : !ACTIVE.has(x.lastRun?.state ?? '')),
      what
    )
    if (t.continuous && s.lastRun?.state === 'RUNNING' && ctx.o.runHealthySeconds > 0) {
      const until = ctx.deps.clock.now() + ctx.o.runHealthySeconds * 1000
      s = await pollState(
        ctx,
        api,
        project.id,
        t.id,
        (x) => x.lastRun?.state !== 'RUNNING' || ctx.deps.clock.now() >= until,
        what
      )
    }
    const state = s.lastRun?.state ?? 'unknown'
    if (!alreadyRunning) ctx.ledger.result('run-task', state, t.id)
    recordRun(ctx, t, 'run', s)
    const ok = t.continuous ? state === 'RUNNING' : state === 'COMPLETED'
    if (!ok) {
      throw new PipelineError(
        `Task '${t.name}' (${t.id}) ${state === 'FAILED' ? 'failed' : `ended ${state}`}${t.continuous ? ' instead of staying RUNNING' : ''}: ${await failureWords(ctx, api, project.id, t, s)}`,
        RUN_TASKS
      )
    }
    ctx.log.info(
      t.continuous
        ? say`'${t.name}' is RUNNING and healthy (${ctx.o.runHealthySeconds} s)`
        : say`'${t.name}' COMPLETED`
    )
  }
  return `${tasks.length} task(s): ${tasks.map((t) => `${t.name} ${t.continuous ? 'running' : 'completed'}`).join(', ')}`
}
