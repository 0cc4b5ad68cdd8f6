import { oneLine, say } from '../../text/escape.js'
import type { Project, QlikApi } from '../../qlik/api.js'
import type { StepContext } from '../context.js'
import { PipelineError } from '../errors.js'
import { ACTIVE, type TaskRef } from './task-plan.js'
import { kindOf, pollState, recordRun, taskWriteOrAlready } from './task-runs.js'

export const QUIESCE = 'Stop the running tasks (quiesce)'
export const RESUME = 'Start the stopped tasks again'

/** Stop every running task (each in the ledger) and wait until none is running. */
export async function quiesce(
  ctx: StepContext,
  api: QlikApi,
  project: Project,
  running: TaskRef[]
): Promise<string> {
  // a task that stopped by itself in between is not ours to start again: only what we stop is
  const stopping: TaskRef[] = []
  for (const t of running) {
    if (
      (await taskWriteOrAlready(ctx, api, project, 'stop-task', t, say`stop task '${t.name}'`)) ===
      'already'
    )
      continue
    stopping.push(t)
    ctx.log.info(say`Stopping '${t.name}' (${kindOf(t)})`)
  }
  for (const t of stopping) {
    const s = await pollState(
      ctx,
      api,
      project.id,
      t.id,
      (x) => !ACTIVE.has(x.lastRun?.state ?? ''),
      say`Stop '${t.name}'`
    )
    ctx.ledger.result('stop-task', s.lastRun?.state ?? 'unknown', t.id)
    recordRun(ctx, t, 'quiesce', s)
  }
  const ended = running.filter((t) => !stopping.includes(t))
  return (
    `${stopping.length} task(s) stopped: ${stopping.map((t) => t.name).join(', ') || 'none'}` +
    (ended.length
      ? `; ${ended.length} had stopped already: ${ended.map((t) => t.name).join(', ')}`
      : '')
  )
}

/**
 * The stopped tasks cannot be started while an action of Qlik's still runs on the project (a wait
 * that timed out, a cancelled run): Qlik refuses task starts then, and has no cancel for the
 * action. The account names them instead, with how to start them once the action has ended.
 */
export function resumeBlocked(ctx: StepContext): string | undefined {
  const a = ctx.ledger.stillRunning()
  if (!a) return undefined
  return `the ${a.kind} action${a.actionId ? ` ${a.actionId}` : ''} may still be running on Qlik's side, and a task cannot be started while it runs: the account names the stopped task(s) and how to start them`
}

/** Start again exactly the tasks this run stopped (whatever happened in between). */
export async function resume(ctx: StepContext, api: QlikApi, project: Project): Promise<string> {
  const stopped = ctx.ledger
    .all('stop-task')
    .filter((e) => e.state === 'done' && ctx.ledger.find('resume-task', e.taskId)?.state !== 'done')
  const failures: string[] = []
  for (const e of stopped) {
    // the task as the stop named it (one line), and quoted for the words
    const task = oneLine(e.subject ?? e.taskId ?? '')
    const name = `'${task}'`
    try {
      // stopped but its end not seen (the run was cancelled while it stopped): a task that is
      // still stopping cannot be started yet
      if (!e.result) {
        const s = await pollState(
          ctx,
          api,
          project.id,
          e.taskId as string,
          (x) => !ACTIVE.has(x.lastRun?.state ?? ''),
          say`Stop ${name}`
        )
        ctx.ledger.result('stop-task', s.lastRun?.state ?? 'unknown', e.taskId)
      }
      await taskWriteOrAlready(
        ctx,
        api,
        project,
        'resume-task',
        { id: e.taskId as string, name: task },
        say`start task ${name} again`
      )
      const s = await pollState(
        ctx,
        api,
        project.id,
        e.taskId as string,
        (x) => x.lastRun?.state !== 'CANCELED' && x.lastRun?.state !== 'STARTING',
        say`Start ${name} again`
      )
      ctx.ledger.result('resume-task', s.lastRun?.state ?? 'unknown', e.taskId)
      recordRun(
        ctx,
        {
          id: e.taskId as string,
          name: task,
          type: s.type ?? '',
          continuous: false
        },
        'resume',
        s
      )
    } catch (err) {
      failures.push(`${name}: ${(err as Error).message}`)
    }
  }
  if (failures.length)
    throw new PipelineError(
      `Could not start again ${failures.length} task(s) this run stopped: ${failures.join('; ')}`,
      RESUME
    )
  return `${stopped.length} task(s) started again`
}
