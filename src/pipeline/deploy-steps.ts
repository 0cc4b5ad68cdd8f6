import { say } from '../text/escape.js'
import type { Options } from '../options.js'
import type { PackageInfo } from '../package/package.js'
import type { PackageBody, Project, QlikApi } from '../qlik/api.js'
import type { ComputedBindings, StepContext, TargetState } from './context.js'
import type { StepRecord } from '../model/report.js'
import {
  IMPORT,
  importPackage,
  PREPARE,
  prepareProject,
  VALIDATE,
  validateProject
} from './steps/actions.js'
import { BACKUP, backupTarget } from './steps/backup.js'
import { CHECK_CONNECTIONS, checkConnections, SET, setBindings } from './steps/bindings.js'
import { checkDataStores, DATA_STORES } from './steps/data-stores.js'
import { QUIESCE, quiesce, RESUME, resume, resumeBlocked } from './steps/quiesce.js'
import { RUN_TASKS, runTasks } from './steps/run-tasks.js'
import { CREATE, createTarget } from './steps/target.js'
import type { RuntimePlan } from './steps/task-plan.js'
import { TRIGGER, triggerTasks } from './steps/trigger-tasks.js'
import type { LedgerEntry, WriteKind } from '../model/ledger.js'

/**
 * The deploy sequence, once: every step that changes the target (and the checks between them), in
 * order. The runner runs it, the ledger's plan lists its writes before the first one is sent, and
 * the dry run's plan words it, all from this table. Adding a step that writes to the target is one
 * row here plus its function in steps/ (and, for a new kind of write, its words in ledger.ts).
 */

/** What is known before the first write: the options, the target as read, the bindings, the tasks. */
export interface DeployFacts {
  o: Options
  t: TargetState
  bindings: ComputedBindings
  runtime: RuntimePlan
}

/** What the steps act on while the sequence runs; `project` is set by the create step. */
export interface DeployState extends DeployFacts {
  api: QlikApi
  src: Project
  info: PackageInfo
  zip: PackageBody
  project: Project
}

/** A write the ledger lists as not sent until it is. */
export type PlannedWrite = Pick<LedgerEntry, 'kind' | 'what' | 'taskId' | 'subject' | 'space'>

/** true: the step runs; false: it has no place in this run; `skip`: recorded as skipped, why. */
export type Applies = boolean | { skip: string }

export interface DeployStep {
  name: string
  when: (f: DeployFacts) => Applies
  /** The writes the step sends, in the order it sends them. */
  writes?: (f: DeployFacts) => PlannedWrite[]
  /** Its line in the dry run's plan ("Would run N. ..."). */
  plan: (f: DeployFacts) => string
  /** Its plan line when the step does not apply (the create step: "Reuse project ..."). */
  planOtherwise?: (f: DeployFacts) => string
  /**
   * The import and the actions after it: a failure does not end the run at once; the `always`
   * steps run first (the tasks this run stopped start again whatever the outcome).
   */
  guarded?: boolean
  always?: boolean
  /** Checked when the run reaches the step; false: nothing to do, not recorded. */
  needed?: (ctx: StepContext) => boolean
  /** Checked when the run reaches the step: why it cannot run now (recorded as skipped). */
  blocked?: (ctx: StepContext) => string | undefined
  /** Does the step; what it returns is the step's detail in the report. */
  run: (ctx: StepContext, s: DeployState) => Promise<string | void>
}

const names = (xs: Array<{ name: string }>): string => xs.map((x) => x.name).join(', ')
/** One write per task (stop, resume, run, trigger), each named after its task. */
const perTask = (
  kind: WriteKind,
  tasks: Array<{ id: string; name: string }>,
  what: (name: string) => string
): PlannedWrite[] => tasks.map((r) => ({ kind, what: what(r.name), taskId: r.id, subject: r.name }))
const quiescing = (f: DeployFacts): boolean => f.o.quiesce && f.runtime.running.length > 0

export const DEPLOY_STEPS: readonly DeployStep[] = [
  {
    name: CREATE,
    when: (f) => !f.t.existing,
    writes: (f) => [
      {
        kind: 'create-project',
        what: say`create project '${f.t.name}' in space ${f.t.space.name}`,
        subject: f.t.name,
        space: f.t.space.name
      }
    ],
    plan: (f) => say`Create project ${f.t.name} in ${f.t.space.name}`,
    planOtherwise: (f) => say`Reuse project ${f.t.existing?.name} (${f.t.existing?.id})`,
    run: async (ctx, s) => {
      s.project = await createTarget(ctx, s.api, s.src, s.t.space, s.t.name)
      if (ctx.report.target) {
        ctx.report.target.projectId = s.project.id
        ctx.report.target.projectName = s.project.name
        ctx.report.target.created = true
      }
    }
  },
  {
    name: BACKUP,
    when: (f) => (!f.t.existing ? false : f.o.backup || { skip: "input 'backup' is false" }),
    plan: () => 'Back up the target project (export ALL with bindings)',
    run: async (ctx, s) =>
      `artifact ${(await backupTarget(ctx, s.api, s.project, s.bindings)).name}`
  },
  {
    name: SET,
    when: () => true,
    writes: () => [{ kind: 'set-bindings', what: 'set the bindings' }],
    plan: (f) => `Set ${Object.keys(f.bindings.values).length} binding variable(s)`,
    run: async (ctx, s) => {
      await setBindings(ctx, s.api, s.project, s.bindings)
      return `${Object.keys(s.bindings.values).length} variable(s) set: ${s.bindings.diff.changed.length} changed, ${s.bindings.diff.added.length} added`
    }
  },
  {
    name: CHECK_CONNECTIONS,
    when: () => true,
    plan: () => 'Check the connections',
    run: (ctx, s) => checkConnections(ctx, s.api, s.project, s.t.space.name)
  },
  {
    name: QUIESCE,
    when: quiescing,
    writes: (f) => perTask('stop-task', f.runtime.running, (n) => `stop task '${n}'`),
    plan: (f) => say`Stop ${f.runtime.running.length} running task(s): ${names(f.runtime.running)}`,
    run: (ctx, s) => quiesce(ctx, s.api, s.project, s.runtime.running)
  },
  {
    name: IMPORT,
    when: () => true,
    writes: () => [{ kind: 'import', what: 'import the package' }],
    plan: () => 'Import the package (import-async)',
    guarded: true,
    run: (ctx, s) => importPackage(ctx, s.api, s.project, s.zip, s.info)
  },
  {
    name: PREPARE,
    when: (f) => f.o.prepare || { skip: "input 'prepare' is false" },
    writes: () => [{ kind: 'prepare', what: 'prepare' }],
    plan: (f) => `Prepare (allowRecreate ${f.o.allowRecreate})`,
    guarded: true,
    run: (ctx, s) => prepareProject(ctx, s.api, s.project)
  },
  {
    name: VALIDATE,
    when: (f) => f.o.validate || { skip: "input 'validate' is false" },
    writes: () => [{ kind: 'validate', what: 'validate' }],
    plan: () => 'Validate',
    guarded: true,
    run: (ctx, s) => validateProject(ctx, s.api, s.project)
  },
  {
    name: RESUME,
    when: quiescing,
    writes: (f) => perTask('resume-task', f.runtime.running, (n) => `start task '${n}' again`),
    plan: (f) => say`Start again the task(s) stopped: ${names(f.runtime.running)}`,
    always: true,
    needed: (ctx) => ctx.ledger.all('stop-task').some((e) => e.state === 'done'),
    blocked: resumeBlocked,
    run: (ctx, s) => resume(ctx, s.api, s.project)
  },
  {
    name: RUN_TASKS,
    when: (f) => f.runtime.toRun.length > 0,
    writes: (f) => perTask('run-task', f.runtime.toRun, (n) => `run task '${n}'`),
    plan: (f) => say`Run and wait for: ${names(f.runtime.toRun)}`,
    run: (ctx, s) => runTasks(ctx, s.api, s.project, s.runtime.toRun)
  },
  {
    name: TRIGGER,
    when: (f) => f.runtime.toTrigger.length > 0,
    writes: (f) => perTask('trigger-task', f.runtime.toTrigger, (n) => `trigger task '${n}'`),
    plan: (f) => say`Trigger and wait for: ${names(f.runtime.toTrigger)}`,
    run: (ctx, s) => triggerTasks(ctx, s.api, s.runtime.toTrigger)
  },
  {
    name: DATA_STORES,
    when: (f) => f.o.expectDataStores.length > 0,
    plan: (f) => `Check the data stores catalog for: ${f.o.expectDataStores.join(', ')}`,
    run: (ctx, s) => checkDataStores(ctx, s.api)
  }
]

const applies = (a: Applies): boolean => a === true

/** The writes of a run, in order, for the ledger's plan. */
export function plannedWrites(f: DeployFacts, steps = DEPLOY_STEPS): PlannedWrite[] {
  return steps.filter((st) => applies(st.when(f))).flatMap((st) => st.writes?.(f) ?? [])
}

/** The dry run's "Would run" lines. */
export function plannedSteps(f: DeployFacts, steps = DEPLOY_STEPS): string[] {
  return steps.flatMap((st) =>
    applies(st.when(f)) ? [st.plan(f)] : st.planOtherwise ? [st.planOtherwise(f)] : []
  )
}

/** How the runner records one step: in a log group and the report (`Pipeline.step`). */
export type StepRunner = (name: string, fn: (rec: StepRecord) => Promise<void>) => Promise<void>

/**
 * Run the sequence. A guarded step's failure stops the steps after it except the `always` ones,
 * which run before the failure ends the run (a failure of theirs is then only logged).
 */
// eslint-disable-next-line max-params -- issue 33: to take one named object (known when the rule came in)
export async function runDeploySteps(
  ctx: StepContext,
  s: DeployState,
  step: StepRunner,
  skip: (name: string, why: string) => void,
  steps = DEPLOY_STEPS
): Promise<void> {
  let failure: { error: unknown } | undefined
  for (const st of steps) {
    if (failure && ctx.deps?.cancel?.cancelled) break
    if (failure && !st.always) continue
    const a = st.when(s)
    if (a === false) continue
    if (a !== true) {
      skip(st.name, a.skip)
      continue
    }
    if (st.needed && !st.needed(ctx)) continue
    const blocked = st.blocked?.(ctx)
    if (blocked) {
      skip(st.name, blocked)
      continue
    }
    try {
      await step(st.name, async (rec) => {
        const detail = await st.run(ctx, s)
        if (typeof detail === 'string') rec.detail = detail
      })
    } catch (e) {
      // cancelled: no further step; the runner's compensation decides what is put back
      if (ctx.deps?.cancel?.cancelled) throw failure ? failure.error : e
      if (failure) ctx.log.error((e as Error).message)
      else if (st.guarded) failure = { error: e }
      else throw e
    }
  }
  if (failure) throw failure.error
}
