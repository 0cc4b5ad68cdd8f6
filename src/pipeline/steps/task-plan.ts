import type { PackageContent } from '../../package/content.js'
import type { TaskDefinition } from '../../package/layout.js'
import { continuousOf } from '../../package/schemas.js'
import type { DataTask, Project, QlikApi, QlikTask } from '../../qlik/api.js'
import { TASK_STAGE } from '../../qlik/vocabulary.js'
import { mapLimit } from '../../util/pool.js'
import type { StepContext } from '../context.js'
import type { GuardResult } from '../../model/plan.js'

/**
 * After the deploy, production data must flow again (seed 002: data task runtime and its events;
 * seed 003: Tasks API; seed 004: data stores). Quiesce: stop the tasks running on the target before
 * the import and start exactly those again afterwards, whatever the outcome. run-tasks: start data
 * tasks in a sensible order and wait (batch: COMPLETED; CDC: RUNNING and still so after
 * run-healthy-seconds). trigger-tasks: Tasks API jobs downstream. expect-data-stores: the catalog.
 */

export const READ_TASKS = 'Check the tasks to stop, run and trigger'

/** Runtime-state reads in flight at once (a 1,000-task target is read in seconds, not minutes). */
export const STATE_READS_AT_ONCE = 16

/** Runtime states of a task that is running (or about to, or winding down). */
export const ACTIVE = new Set(['STARTING', 'RUNNING', 'STOPPING'])
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
  /** Every task's runtime state was read (or there is no target project yet): `running` is all. */
  statesRead?: boolean
}

/** The data tasks a package defines (for run-tasks names and whether each is continuous). */
export function packageTasks(content: PackageContent): TaskDefinition[] {
  try {
    return content.read().definition?.tasks ?? []
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
// eslint-disable-next-line max-lines-per-function -- issue 33: to be split (known when the rule came in)
export async function readTasks(
  ctx: StepContext,
  api: QlikApi,
  existing: Project | undefined,
  content: PackageContent
): Promise<{ plan: RuntimePlan; guards: GuardResult[] }> {
  const { o } = ctx
  const defs = packageTasks(content)
  const guards: GuardResult[] = []
  const running: TaskRef[] = []
  let statesRead = !existing
  const runningGuard = (status: GuardResult['status'], detail: string): void => {
    guards.push({ check: 'Running tasks on the target', status, detail })
  }
  // the states matter to quiesce (what to stop) and to prepare (which cannot change a running
  // task); with both off, a running task changes nothing here: no state is read
  if (existing && !o.quiesce && !o.prepare)
    runningGuard(
      'passed',
      'not read: quiesce and prepare are off, so running tasks neither stop nor block'
    )
  else if (existing) {
    const all: DataTask[] = await api.listTasks(existing.id)
    // continuous (CDC) tasks first: they are the ones likely to be running
    const continuous = new Set(all.filter((t) => refOf(t, defs).continuous).map((t) => t.id))
    const tasks = [...all].sort(
      (a, b) => Number(continuous.has(b.id)) - Number(continuous.has(a.id))
    )
    // Only prepare needs them (quiesce is off): read what the runtime-state budget allows now
    // rather than wait minutes for the rest of Qlik's 5-minute window; quiesce must know them all
    const budget = api.client.budget
    const room = budget?.available('runtimeState') ?? Infinity
    const read = !o.quiesce && tasks.length > room ? tasks.slice(0, room) : tasks
    // side by side, within the run's runtime-state budget (the client waits for room, and says so)
    const states = await mapLimit(read, STATE_READS_AT_ONCE, (t) =>
      api.runtimeState(existing.id, t.id)
    )
    read.forEach((t, i) => {
      if (ACTIVE.has(states[i]?.lastRun?.state ?? '')) running.push(refOf(t, defs))
    })
    statesRead = read.length === tasks.length
    const names = running.map((t) => `'${t.name}'`).join(', ')
    const unread = tasks.length - read.length
    if (running.length === 0 && unread > 0)
      runningGuard(
        'warning',
        `none of the ${read.length} task(s) read is running (continuous ones first); ${unread} more were not read: Qlik allows ${budget?.limit('runtimeState') ?? '?'} runtime-state reads per ${budget?.window ?? '5 minutes'} and this run has used them. Prepare fails on a task that is running; set quiesce: true to read them all (waiting for the budget) and stop the running ones`
      )
    else if (running.length === 0) runningGuard('passed', 'none is running')
    else if (o.quiesce)
      runningGuard(
        'passed',
        `${running.length} running (${names}): stopped before the import and started again after it`
      )
    // prepare is on (with both off no state was read)
    else
      runningGuard(
        'failed',
        `${running.length} task(s) are running on the target (${names}) and prepare cannot change a running task; set quiesce: true to stop them before the import and start them again after it, or stop them yourself`
      )
  }
  let toRun: TaskRef[] = []
  if (o.runTasks !== 'none') {
    if (o.runTasks === 'all') {
      toRun = defs
        .map((d) => refOf(d, defs))
        .sort((a, b) => (TASK_STAGE[a.type] ?? 5) - (TASK_STAGE[b.type] ?? 5))
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
  return { plan: { running, toRun, toTrigger, statesRead }, guards }
}
