import { readFileSync } from 'node:fs'
import { parseDefinition, unzipPackage, type TaskDefinition } from '../../package/layout.js'
import { continuousOf } from '../../package/schemas.js'
import type { DataTask, Project, QlikApi, QlikTask, RuntimeState } from '../../qlik/api.js'
import type { StepContext } from '../context.js'
import { PipelineError } from '../errors.js'
import type { GuardResult, TaskRunRecord } from '../report.js'

/**
 * After the deploy, production data must flow again (seed 002: data task runtime and its events;
 * seed 003: Tasks API; seed 004: data stores). Quiesce: stop the tasks running on the target before
 * the import and start exactly those again afterwards, whatever the outcome. run-tasks: start data
 * tasks in a sensible order and wait (batch: COMPLETED; CDC: RUNNING and still so after
 * run-healthy-seconds). trigger-tasks: Tasks API jobs downstream. expect-data-stores: the catalog.
 */

export const READ_TASKS = 'Check the tasks to stop, run and trigger'
export const QUIESCE = 'Stop the running tasks (quiesce)'
export const RESUME = 'Start the stopped tasks again'
export const RUN_TASKS = 'Run the data tasks'
export const TRIGGER = 'Trigger the downstream tasks'
export const DATA_STORES = 'Check the data stores catalog'

const ACTIVE = new Set(['STARTING', 'RUNNING', 'STOPPING'])
/** Order of run-tasks all: landing before storage before transform and marts. */
const STAGE: Record<string, number> = {
  LANDING: 0,
  LAKE_LANDING: 0,
  REPLICATION: 0,
  REPLICATE_LANDING: 0,
  STREAMING_LAKE_LANDING: 0,
  STORAGE: 1,
  QVD_STORAGE: 1,
  LAKEHOUSE_STORAGE: 1,
  REGISTERED_DATA: 1,
  LAKEHOUSE_MIRROR: 1,
  TRANSFORM: 2,
  STREAMING_TRANSFORM: 2,
  DATAMART: 3,
  KNOWLEDGE_MART: 3,
  FILE_BASED_KNOWLEDGE_MART: 3,
  DISTRIBUTION: 4
}

export interface TaskRef {
  id: string
  name: string
  type: string
  /** Continuous (CDC): healthy when RUNNING, never COMPLETED. */
  continuous: boolean
}

export interface RuntimePlan {
  /** Tasks running on the existing target before this run. */
  running: TaskRef[]
  /** Tasks to run after validate, in order. */
  toRun: TaskRef[]
  /** Tasks API tasks to trigger, in order. */
  toTrigger: QlikTask[]
}

/** The data tasks a package defines (for run-tasks names and whether each is continuous). */
export function packageTasks(path: string): TaskDefinition[] {
  try {
    return parseDefinition(unzipPackage(new Uint8Array(readFileSync(path)))).definition?.tasks ?? []
  } catch {
    return []
  }
}

const refOf = (
  t: { id: string; name: string; type?: string | null },
  defs: TaskDefinition[]
): TaskRef => {
  const def = defs.find((d) => d.id === t.id)
  const type = def?.type ?? t.type ?? ''
  return {
    id: t.id,
    name: t.name,
    type,
    continuous: def ? continuousOf(type, def.settings) : false
  }
}

/**
 * Reads only, before the first write: which tasks run on the target now, which ones run-tasks
 * names (unknown names are refused), which Tasks API tasks trigger-tasks names. Each finding is a
 * guard: a failed guard refuses the run before any change.
 */
export async function readTasks(
  ctx: StepContext,
  api: QlikApi,
  existing: Project | undefined,
  pkgPath: string
): Promise<{ plan: RuntimePlan; guards: GuardResult[] }> {
  const { o } = ctx
  const defs = packageTasks(pkgPath)
  const guards: GuardResult[] = []
  const running: TaskRef[] = []
  if (existing) {
    const tasks: DataTask[] = await api.listTasks(existing.id)
    for (const t of tasks) {
      const state = await api.runtimeState(existing.id, t.id)
      if (ACTIVE.has(state.lastRun?.state ?? '')) running.push(refOf(t, defs))
    }
    const names = running.map((t) => `'${t.name}'`).join(', ')
    if (running.length === 0)
      guards.push({
        check: 'Running tasks on the target',
        status: 'passed',
        detail: 'none is running'
      })
    else if (o.quiesce)
      guards.push({
        check: 'Running tasks on the target',
        status: 'passed',
        detail: `${running.length} running (${names}): stopped before the import and started again after it`
      })
    else if (o.prepare)
      guards.push({
        check: 'Running tasks on the target',
        status: 'failed',
        detail: `${running.length} task(s) are running on the target (${names}) and prepare cannot change a running task; set quiesce: true to stop them before the import and start them again after it, or stop them yourself`
      })
    else
      guards.push({
        check: 'Running tasks on the target',
        status: 'warning',
        detail: `${running.length} task(s) are running (${names}); they are not stopped (quiesce: false) and keep running while the definition changes`
      })
  }
  let toRun: TaskRef[] = []
  if (o.runTasks !== 'none') {
    if (o.runTasks === 'all') {
      toRun = defs
        .map((d) => refOf(d, defs))
        .sort((a, b) => (STAGE[a.type] ?? 5) - (STAGE[b.type] ?? 5))
    } else {
      const unknown: string[] = []
      for (const want of o.runTasks) {
        const d = defs.find((x) => x.id === want) ?? defs.filter((x) => x.name === want)
        const found = Array.isArray(d) ? (d.length === 1 ? d[0] : undefined) : d
        if (Array.isArray(d) && d.length > 1)
          unknown.push(
            `'${want}' names ${d.length} tasks (${d.map((x) => x.id).join(', ')}): give the id`
          )
        else if (!found) unknown.push(`'${want}'`)
        else toRun.push(refOf(found, defs))
      }
      guards.push({
        check: 'Tasks named in run-tasks',
        status: unknown.length ? 'failed' : 'passed',
        detail: unknown.length
          ? `not in the package: ${unknown.join(', ')}; its tasks are ${defs.map((x) => `${x.name} (${x.id})`).join(', ') || 'none'}`
          : `${toRun.length} task(s) in the order given`
      })
    }
  }
  const toTrigger: QlikTask[] = []
  if (o.triggerTasks.length > 0) {
    const all = await api.listQlikTasks()
    const unknown: string[] = []
    for (const want of o.triggerTasks) {
      const byId = all.find((t) => t.id === want)
      const byName = all.filter((t) => t.name === want)
      if (byId) toTrigger.push(byId)
      else if (byName.length === 1) toTrigger.push(byName[0] as QlikTask)
      else if (byName.length > 1)
        unknown.push(
          `'${want}' names ${byName.length} tasks (${byName.map((t) => t.id).join(', ')}): give the id`
        )
      else unknown.push(`'${want}'`)
    }
    guards.push({
      check: 'Tasks named in trigger-tasks',
      status: unknown.length ? 'failed' : 'passed',
      detail: unknown.length
        ? `not found in the target tenant's Tasks API: ${unknown.join(', ')}`
        : `${toTrigger.length} task(s): ${toTrigger.map((t) => t.name).join(', ')}`
    })
  }
  return { plan: { running, toRun, toTrigger }, guards }
}

/** Poll a data task's runtime state; Tier "runtime state" allows 120 a minute: never under 0.5 s. */
async function pollState(
  ctx: StepContext,
  api: QlikApi,
  projectId: string,
  taskId: string,
  done: (s: RuntimeState) => boolean,
  what: string
): Promise<RuntimeState> {
  const interval = Math.max(500, ctx.o.pollIntervalSeconds * 1000)
  const deadline = ctx.deps.clock.now() + ctx.o.timeoutSeconds * 1000
  for (;;) {
    const s = await api.runtimeState(projectId, taskId)
    if (done(s)) return s
    if (ctx.deps.clock.now() > deadline)
      throw new PipelineError(
        `${what}: still ${s.lastRun?.state ?? 'unknown'} after ${ctx.o.timeoutSeconds} s (timeout).`,
        what
      )
    await ctx.deps.clock.sleep(interval)
  }
}

const event = (state: string): TaskRunRecord['event'] =>
  state === 'COMPLETED'
    ? 'completed'
    : state === 'FAILED'
      ? 'failed'
      : state === 'CANCELED'
        ? 'stopped'
        : 'started'

/** Stop every running task (each in the ledger) and wait until none is running. */
export async function quiesce(
  ctx: StepContext,
  api: QlikApi,
  project: Project,
  running: TaskRef[]
): Promise<string> {
  for (const t of running) {
    await ctx.ledger.record(
      api.host,
      'stop-task',
      `stop task '${t.name}'`,
      () => api.stopTask(project.id, t.id),
      { taskId: t.id, projectId: project.id }
    )
    ctx.log.info(`Stopping '${t.name}' (${t.type}${t.continuous ? ', continuous' : ''})`)
  }
  for (const t of running) {
    const s = await pollState(
      ctx,
      api,
      project.id,
      t.id,
      (x) => !ACTIVE.has(x.lastRun?.state ?? ''),
      `Stop '${t.name}'`
    )
    ctx.ledger.result('stop-task', s.lastRun?.state ?? 'unknown', t.id)
    record(ctx, t, 'quiesce', s)
  }
  return `${running.length} task(s) stopped: ${running.map((t) => t.name).join(', ')}`
}

/** Start again exactly the tasks this run stopped (whatever happened in between). */
export async function resume(ctx: StepContext, api: QlikApi, project: Project): Promise<string> {
  const stopped = ctx.ledger
    .all('stop-task')
    .filter((e) => e.state === 'done' && ctx.ledger.find('resume-task', e.taskId)?.state !== 'done')
  const failures: string[] = []
  for (const e of stopped) {
    const name = e.what.replace(/^stop task /, '')
    try {
      await ctx.ledger.record(
        api.host,
        'resume-task',
        `start task ${name} again`,
        () => api.startTask(project.id, e.taskId as string),
        { taskId: e.taskId as string, projectId: project.id }
      )
      const s = await pollState(
        ctx,
        api,
        project.id,
        e.taskId as string,
        (x) => x.lastRun?.state !== 'CANCELED' && x.lastRun?.state !== 'STARTING',
        `Start ${name} again`
      )
      ctx.ledger.result('resume-task', s.lastRun?.state ?? 'unknown', e.taskId)
      record(
        ctx,
        {
          id: e.taskId as string,
          name: name.replace(/^'|'$/g, ''),
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

function record(ctx: StepContext, t: TaskRef, why: TaskRunRecord['why'], s: RuntimeState): void {
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

/** The words of a failed run: its errors, its message, and the run history's last entries. */
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
    const alreadyRunning = ACTIVE.has(before.lastRun?.state ?? '')
    if (!alreadyRunning) {
      await ctx.ledger.record(
        api.host,
        'run-task',
        `run task '${t.name}'`,
        () => api.startTask(project.id, t.id),
        { taskId: t.id, projectId: project.id }
      )
      ctx.log.info(`Started '${t.name}' (${t.type}${t.continuous ? ', continuous' : ''})`)
    } else ctx.log.info(`'${t.name}' is already running: watching it`)
    const isNew = (s: RuntimeState): boolean =>
      alreadyRunning || (s.lastRun?.startTime ?? '') !== (before.lastRun?.startTime ?? '')
    const what = `Run '${t.name}'`
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
    record(ctx, t, 'run', s)
    const ok = t.continuous ? state === 'RUNNING' : state === 'COMPLETED'
    if (!ok) {
      throw new PipelineError(
        `Task '${t.name}' (${t.id}) ${state === 'FAILED' ? 'failed' : `ended ${state}`}${t.continuous ? ' instead of staying RUNNING' : ''}: ${await failureWords(ctx, api, project.id, t, s)}`,
        RUN_TASKS
      )
    }
    ctx.log.info(
      t.continuous
        ? `'${t.name}' is RUNNING and healthy (${ctx.o.runHealthySeconds} s)`
        : `'${t.name}' COMPLETED`
    )
  }
  return `${tasks.length} task(s): ${tasks.map((t) => `${t.name} ${t.continuous ? 'running' : 'completed'}`).join(', ')}`
}

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
      `trigger task '${t.name}'`,
      () => api.startQlikTask(t.id),
      { taskId: t.id }
    )
    const deadline = ctx.deps.clock.now() + ctx.o.timeoutSeconds * 1000
    let run = await api.lastQlikTaskRun(t.id)
    while (!run || run.id === before?.id || run.status === 'RUNNING' || run.status === 'QUEUED') {
      if (ctx.deps.clock.now() > deadline)
        throw new PipelineError(
          `Task '${t.name}' (${t.id}) did not end within ${ctx.o.timeoutSeconds} s.`,
          TRIGGER
        )
      await ctx.deps.clock.sleep(interval)
      run = await api.lastQlikTaskRun(t.id)
    }
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
    ctx.log.info(`'${t.name}' run ${run.id} SUCCEEDED`)
  }
  return `${tasks.length} task(s) succeeded`
}

/** A rough likeness of two names: one contains the other, or few edits apart. */
function similar(a: string, b: string): boolean {
  const x = a.toLowerCase()
  const y = b.toLowerCase()
  if (x.includes(y) || y.includes(x)) return true
  const d: number[] = Array.from({ length: y.length + 1 }, (_, j) => j)
  for (let i = 1; i <= x.length; i++) {
    let prev = d[0] as number
    d[0] = i
    for (let j = 1; j <= y.length; j++) {
      const tmp = d[j] as number
      d[j] = Math.min(
        (d[j] as number) + 1,
        (d[j - 1] as number) + 1,
        prev + (x[i - 1] === y[j - 1] ? 0 : 1)
      )
      prev = tmp
    }
  }
  return (d[y.length] as number) <= Math.max(2, Math.floor(Math.min(x.length, y.length) / 4))
}

/** expect-data-stores: every name must be in the target's catalog; missing ones fail, with look-alikes. */
export async function checkDataStores(ctx: StepContext, api: QlikApi): Promise<string> {
  const stores = await api.listDataStores()
  const names = stores.map((s) => s.name)
  const found = ctx.o.expectDataStores.filter((n) => names.includes(n))
  const missing = ctx.o.expectDataStores.filter((n) => !names.includes(n))
  ctx.report.dataStores = { expected: ctx.o.expectDataStores, found, missing }
  if (missing.length) {
    const hints = missing.map((m) => {
      const like = names.filter((n) => similar(n, m)).slice(0, 5)
      return `'${m}'${like.length ? ` (similar: ${like.map((l) => `'${l}'`).join(', ')})` : ''}`
    })
    throw new PipelineError(
      `Data store(s) missing from the target's catalog (${stores.length} there): ${hints.join(', ')}.`,
      DATA_STORES
    )
  }
  return `${found.length} of ${ctx.o.expectDataStores.length} found`
}
