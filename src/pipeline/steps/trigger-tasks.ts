import { say } from '../../text/escape.js'
import type { QlikApi, QlikTask, QlikTaskRun } from '../../qlik/api.js'
import type { StepContext } from '../context.js'
import { PipelineError } from '../errors.js'
import { pollUntil } from '../wait.js'

export const TRIGGER = 'Trigger the downstream tasks'

/** trigger-tasks: start each Tasks API task and wait for its run; a FAILED run brings its log. */
export async function triggerTasks(
  ctx: StepContext,
  api: QlikApi,
  tasks: QlikTask[]
): Promise<string> {
  const interval = Math.max(100, ctx.o.pollIntervalSeconds * 1000) // 600 a minute
  for (const t of tasks) {
    const before = await api.lastQlikTaskRun(t.id)
    await ctx.ledger.record(
      api.host,
      'trigger-task',
      say`trigger task '${t.name}'`,
      () => api.startQlikTask(t.id),
      { taskId: t.id, subject: t.name }
    )
    const run = (await pollUntil({
      read: () => api.lastQlikTaskRun(t.id),
      done: (r) => !!r && r.id !== before?.id && r.status !== 'RUNNING' && r.status !== 'QUEUED',
      intervalMs: interval,
      timeoutMs: ctx.o.timeoutSeconds * 1000,
      now: () => ctx.deps.clock.now(),
      sleep: (ms) => ctx.deps.clock.sleep(ms),
      timedOut: () =>
        new PipelineError(
          `Task '${t.name}' (${t.id}) did not end within ${ctx.o.timeoutSeconds} s.`,
          TRIGGER
        )
    })) as QlikTaskRun
    ctx.ledger.result('trigger-task', run.status, t.id)
    ctx.report.runs.push({
      taskId: t.id,
      name: t.name,
      type: 'TASKS_API',
      why: 'trigger',
      event: run.status === 'SUCCEEDED' ? 'completed' : 'failed',
      state: run.status,
      ...(run.startedAt ? { startTime: run.startedAt } : {}),
      ...(run.endedAt ? { endTime: run.endedAt } : {})
    })
    if (run.status !== 'SUCCEEDED') {
      let log = ''
      try {
        log = (await api.qlikTaskRunLog(t.id, run.id)).trim().split('\n').slice(-10).join(' | ')
      } catch {
        log = '(the run log could not be read)'
      }
      throw new PipelineError(
        `Task '${t.name}' (${t.id}) run ${run.id} ended ${run.status}. Its log ends: ${log}`,
        TRIGGER
      )
    }
    ctx.log.info(say`'${t.name}' run ${run.id} SUCCEEDED`)
  }
  return `${tasks.length} task(s) succeeded`
}
