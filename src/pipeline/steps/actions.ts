import { say } from '../../text/escape.js'
import type { PackageInfo } from '../../package/package.js'
import {
  EndpointMissingError,
  type ActionStatus,
  type PackageBody,
  type Project,
  type QlikApi
} from '../../qlik/api.js'
import type { StepContext } from '../context.js'
import { PipelineError } from '../errors.js'
import { isOutcomeUnknown } from '../ledger.js'
import { QlikApiError } from '../../qlik/errors.js'
import { ActionTimeoutError, DEFAULT_WAIT, failedTasks, waitForAction } from '../wait.js'

/**
 * The asynchronous writes: import, prepare, validate. Each is recorded in the ledger when it is
 * sent, with its action id, and again with the state it ended in. A lost answer is never sent
 * again blindly; a failed wait says the action was started and may still be running.
 */

export const IMPORT = 'Import the package'
export const PREPARE = 'Prepare the target project'
export const VALIDATE = 'Validate the target project'

type Key = 'import' | 'prepare' | 'validate'
const LABEL: Record<Key, string> = { import: 'Import', prepare: 'Prepare', validate: 'Validate' }

// eslint-disable-next-line max-params -- issue 33: to take one named object (known when the rule came in)
export async function importPackage(
  ctx: StepContext,
  api: QlikApi,
  project: Project,
  zip: PackageBody,
  info: PackageInfo
): Promise<void> {
  let actionId: string
  try {
    actionId = await start(ctx, api, 'import', project, () => api.importAsync(project.id, zip))
  } catch (e) {
    if (!(e instanceof EndpointMissingError)) throw e
    // import-async is missing (404 without a Qlik error): nothing was started.
    ctx.ledger.settle('import', 'not-sent')
    if (info.format !== 'LEGACY') {
      throw new PipelineError(
        `The target tenant ${api.host} has no import-async endpoint and only the legacy import, which does not take YAML packages. Export with export-mode LEGACY for this tenant.`,
        IMPORT
      )
    }
    ctx.log.info(
      'import-async is not available on this tenant: using the synchronous import for the LEGACY package'
    )
    await ctx.ledger.record(
      api.host,
      'import',
      say`import the package into ${project.name} (synchronous)`,
      () => api.importSync(project.id, zip)
    )
    ctx.ledger.result('import', 'COMPLETED')
    ctx.report.actions.import = { actionId: '', state: 'COMPLETED', elapsedMs: 0, checks: 0 }
    return
  }
  await watch(ctx, api, 'import', actionId)
}

export async function prepareProject(
  ctx: StepContext,
  api: QlikApi,
  project: Project
): Promise<void> {
  const id = await start(ctx, api, 'prepare', project, () =>
    api.prepare(project.id, ctx.o.allowRecreate)
  )
  await watch(ctx, api, 'prepare', id)
}

export async function validateProject(
  ctx: StepContext,
  api: QlikApi,
  project: Project
): Promise<void> {
  const id = await start(ctx, api, 'validate', project, () => api.validate(project.id))
  await watch(ctx, api, 'validate', id)
}

// eslint-disable-next-line max-params -- issue 33: to take one named object (known when the rule came in)
async function start(
  ctx: StepContext,
  api: QlikApi,
  key: Key,
  project: Project,
  send: () => Promise<string>
): Promise<string> {
  const what = say`${key} ${project.name} (${project.id})`
  const busy = new BusyWait(ctx, api, key, project)
  for (;;) {
    try {
      const id = await ctx.ledger.record(api.host, key, what, send, { projectId: project.id })
      ctx.log.info(`${LABEL[key]} started: action ${id}${busy.waited()}`)
      return id
    } catch (e) {
      if (await busy.again(e)) continue
      throw startFailure(e, key, api)
    }
  }
}

/**
 * A 409 Conflict when an action is started: another action runs on the project, most often one
 * an earlier, interrupted run started (Qlik has no cancel, and no endpoint finds it). A re-run
 * converges: it waits for it to end, bounded by `timeout` and saying so, then sends its own.
 * Nothing was started by a 409, so sending again is safe.
 */
class BusyWait {
  private since?: number
  private delay: number
  private checks = 0

  constructor(
    private readonly ctx: StepContext,
    private readonly api: QlikApi,
    private readonly key: Key,
    private readonly project: Project
  ) {
    this.delay = Math.max(500, ctx.o.pollIntervalSeconds * 1000)
  }

  waited(): string {
    return this.since === undefined
      ? ''
      : ` (after waiting ${((this.ctx.deps.clock.now() - this.since) / 1000).toFixed(1)} s for the action already running on the project)`
  }

  /** true: the start was refused with a 409 and the wait goes on; false: another error. */
  async again(e: unknown): Promise<boolean> {
    if (!(e instanceof QlikApiError) || e.status !== 409) return false
    const clock = this.ctx.deps.clock
    const label = LABEL[this.key]
    const timeout = this.ctx.o.timeoutSeconds
    const name = say`${this.project.name} (${this.project.id})`
    if (this.since === undefined) {
      this.since = clock.now()
      this.ctx.log.warning(
        `${label}: the target project ${name} on ${this.api.host} is busy: Qlik answered 409 Conflict (${e.message}). ` +
          `Another action is running on it, most likely one an earlier, interrupted run started (Qlik has no cancel for it). ` +
          `Waiting for it to end, up to ${timeout} s (input 'timeout'), then sending the ${this.key} again.`,
        { title: `${label} waits for a running action` }
      )
    }
    const left = this.since + timeout * 1000 - clock.now()
    if (left <= 0)
      throw new PipelineError(
        `${label}: the target project ${name} on ${this.api.host} stayed busy for ${timeout} s (${this.checks} attempt(s)): ` +
          `Qlik kept answering 409 Conflict (${e.message}). An action is still running on it, most likely from an earlier run: ` +
          `its action id is in that run's summary or report (GET /api/v1/di-projects/actions/{actionId}?detailed=true). ` +
          `Wait for it to end and run again, or raise 'timeout'.`,
        label
      )
    await clock.sleep(Math.min(this.delay, left))
    this.delay = Math.min(this.delay * 1.5, 10_000)
    this.checks += 1
    return true
  }
}

/** What a refused start is, in the run's words (a lost answer is never sent again blindly). */
function startFailure(e: unknown, key: Key, api: QlikApi): unknown {
  if (!isOutcomeUnknown(e)) return e
  return new PipelineError(
    `${LABEL[key]}: the answer to the request that starts it was lost (${(e as Error).message}). ` +
      `The ${key} may have started on ${api.host}; it is not sent again blindly (the API cannot list or cancel actions: ` +
      `a second ${key} gets 409 Conflict while one runs).`,
    LABEL[key]
  )
}

async function watch(
  ctx: StepContext,
  api: QlikApi,
  key: Key,
  actionId: string
): Promise<ActionStatus> {
  const label = LABEL[key]
  let result
  try {
    result = await waitForAction(api, actionId, label, {
      firstDelayMs: ctx.o.pollIntervalSeconds * 1000,
      ...DEFAULT_WAIT,
      ...ctx.deps.polling,
      timeoutMs: ctx.o.timeoutSeconds * 1000,
      sleep: (ms) => ctx.deps.clock.sleep(ms),
      now: () => ctx.deps.clock.now(),
      log: (line) => ctx.log.info(line),
      ...(ctx.log.status ? { status: (line: string) => ctx.log.status?.(line) } : {})
    })
  } catch (e) {
    ctx.ledger.result(key, 'unknown')
    ctx.report.actions[key] = { actionId, state: 'unknown', elapsedMs: 0, checks: 0 }
    if (e instanceof ActionTimeoutError) throw new PipelineError(e.message, label)
    throw new PipelineError(
      `${label} was started on the ${api.tenant} tenant ${api.host} (action ${actionId}), but its status could not be read: ` +
        `${(e as Error).message}. It may still be running: check GET /api/v1/di-projects/actions/${actionId}?detailed=true before running again.`,
      label
    )
  }
  const { status, elapsedMs, checks } = result
  ctx.ledger.result(key, status.state)
  ctx.report.actions[key] = { actionId, state: status.state, elapsedMs, checks }
  for (const t of status.taskDetails ?? []) {
    ctx.report.tasks.push({
      step: key,
      taskId: t.taskId ?? '',
      name: t.name ?? t.taskId ?? '',
      state: t.state ?? '',
      ...(t.error?.message ? { message: t.error.message } : {})
    })
  }
  if (status.state === 'COMPLETED') return status
  const failed = failedTasks(status)
  for (const t of failed) {
    ctx.log.error(
      `${label} failed for task ${t.name}${t.taskId ? ` (${t.taskId})` : ''}: ${t.message}${t.code ? ` [${t.code}]` : ''}${t.details ? ` ${t.details}` : ''}`,
      { title: say`${label} failed: ${t.name}` }
    )
  }
  const err = status.error
  // Qlik's words once: a task that failed with the action's own message is named, not repeated
  const bare = (m: string | null | undefined): string => (m ?? '').replace(/[.\s]+$/, '')
  const what = err
    ? `${bare(err.message)}${err.code ? ` [${err.code}]` : ''}${err.details ? `: ${bare(err.details)}` : ''}`
    : ''
  const tasks = failed.map((t) =>
    bare(t.message) && bare(t.message) !== bare(err?.message)
      ? `${t.name}: ${bare(t.message)}`
      : t.name
  )
  throw new PipelineError(
    `${label} ended ${status.state} on the ${api.tenant} tenant ${api.host} (action ${actionId})` +
      `${what ? `: ${what}` : ''}${tasks.length ? `. Failed task(s): ${tasks.join('; ')}` : ''}` +
      `. ${NEXT[key]}`,
    label
  )
}

const NEXT: Record<Key, string> = {
  import: 'Fix the bindings or the package and run again.',
  prepare:
    "Fix the cause (connections, bindings) and run again, or set 'allow-recreate' if datasets must be recreated.",
  validate: 'Fix the cause in the source project or the target connections and run again.'
}
