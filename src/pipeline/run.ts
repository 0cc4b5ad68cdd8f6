import { openAsBlob } from 'node:fs'
import type { Project, QlikApi } from '../qlik/api.js'
import { BindingsInputError, loadBindingsInputs, type BindingValues } from './bindings.js'
import type {
  ComputedBindings,
  PipelineDeps,
  SourcePackage,
  StepContext,
  TargetState
} from './context.js'
import { explain, InputError, PipelineError } from './errors.js'
import { Ledger } from './ledger.js'
import { newReport, type RunReport, type StepRecord } from './report.js'
import {
  IMPORT,
  importPackage,
  PREPARE,
  prepareProject,
  VALIDATE,
  validateProject
} from './steps/actions.js'
import { BACKUP, backupTarget, rollbackHint } from './steps/backup.js'
import {
  CHECK_CONNECTIONS,
  checkConnections,
  COMPUTE,
  computeBindings,
  RESTORE,
  restoreBindings,
  SET,
  setBindings
} from './steps/bindings.js'
import { EXPORT, exportPackage, storeArtifact } from './steps/export.js'
import { FIND_SOURCE, findSource } from './steps/find-source.js'
import { GUARDS, guardFailures, projectGuards, runGuards } from './steps/guards.js'
import { LOAD, loadPackage } from './steps/load-package.js'
import { CHECK, validateOffline } from './steps/offline.js'
import {
  checkDataStores,
  DATA_STORES,
  quiesce,
  QUIESCE,
  readTasks,
  resume,
  RESUME,
  RUN_TASKS,
  runTasks,
  TRIGGER,
  triggerTasks
} from './steps/runtime.js'
import { WRITE_FOLDER, writeExportDir } from './steps/export-dir.js'
import { compareWithTarget, COMPARE, diffLine, makePlan, PLAN, planLines } from './steps/plan.js'
import { PREFLIGHT, preflight } from './steps/preflight.js'
import {
  CREATE,
  createTarget,
  FIND_PROJECT,
  FIND_SPACE,
  findTargetProject,
  findTargetSpace
} from './steps/target.js'

/**
 * The runner: runs the steps in order, records each in the report, keeps the ledger of writes to
 * the target, and ends every run with the ledger's account. Everything that can be checked from
 * reads runs before the first write (in mode promote the target is looked up before the export);
 * when the import does not complete, the target's previous bindings are put back
 * (`on-failure: restore`).
 */
export class Pipeline {
  readonly report: RunReport
  readonly ledger: Ledger
  private readonly ctx: StepContext
  private target?: TargetState
  private bindings?: ComputedBindings

  constructor(private readonly deps: PipelineDeps) {
    this.report = newReport(deps.options.mode, deps.options.dryRun, deps.clock.now())
    this.ledger = new Ledger(() => deps.clock.now())
    this.ctx = {
      o: deps.options,
      deps,
      log: deps.reporter,
      report: this.report,
      ledger: this.ledger
    }
  }

  private get o() {
    return this.deps.options
  }

  private async step<T>(name: string, fn: (rec: StepRecord) => Promise<T>): Promise<T> {
    const rec: StepRecord = { name, state: 'succeeded', durationMs: 0 }
    const start = this.deps.clock.now()
    this.report.steps.push(rec)
    try {
      return await this.deps.reporter.group(name, () => fn(rec))
    } catch (e) {
      rec.state = 'failed'
      rec.detail = (e as Error).message
      throw e instanceof PipelineError ? e : new PipelineError(explain(e, name), name)
    } finally {
      rec.durationMs = this.deps.clock.now() - start
    }
  }

  private skip(name: string, why: string): void {
    this.report.steps.push({ name, state: 'skipped', durationMs: 0, detail: why })
    this.deps.reporter.info(`${name}: skipped (${why})`)
  }

  async run(): Promise<RunReport> {
    let failure: PipelineError | undefined
    try {
      // Inputs that need no request are checked first, so bad input never reaches a tenant.
      let input
      try {
        input = loadBindingsInputs(this.o.bindingsFile, this.o.bindings, this.deps.env)
      } catch (e) {
        if (e instanceof BindingsInputError) throw new InputError(e.message, 'Check the inputs')
        throw e
      }
      await this.promote(input)
    } catch (e) {
      failure = e instanceof PipelineError ? e : new PipelineError(explain(e, 'run'), 'run')
      await this.compensate()
    }
    this.finish(failure)
    return this.report
  }

  private finish(failure: PipelineError | undefined): void {
    const r = this.report
    const rollback = rollbackHint(this.ctx)
    const account =
      this.o.mode !== 'export' && this.o.mode !== 'validate'
        ? this.ledger.account({
            failed: failure !== undefined,
            ...(this.deps.target
              ? { tenant: `the ${this.deps.target.tenant} tenant ${this.deps.target.host}` }
              : {}),
            existed: this.target?.existing !== undefined,
            ...(rollback ? { rollback } : {}),
            ...(this.o.onFailure === 'keep'
              ? {
                  keptBindings:
                    'the new bindings were kept on purpose (on-failure: keep): deploying the backup puts the previous ones back'
                }
              : {})
          })
        : []
    r.ledger = { entries: this.ledger.entries.map((e) => ({ ...e })), account }
    if (failure) {
      r.outcome = 'failed'
      r.error = [failure.message, ...account].join('\n')
      if (failure.badInput) r.badInput = true
      const failed = r.steps.find((st) => st.state === 'failed')?.name
      r.failedStep = failed ?? failure.step
    }
    r.finishedAt = new Date(this.deps.clock.now()).toISOString()
  }

  private async promote(input: { values: BindingValues; source: string }): Promise<void> {
    if (this.o.mode === 'validate') {
      await this.step(CHECK, async () => validateOffline(this.ctx))
      return
    }
    let pkg: SourcePackage
    if (this.o.mode === 'deploy') {
      const host = (this.deps.target as QlikApi).host
      pkg = await this.step(LOAD, async (rec) => {
        const p = await loadPackage(this.ctx, host)
        rec.detail = `sha256 ${p.info.sha256}${p.manifest ? ' matches the manifest' : ' (no manifest)'}`
        return p
      })
    } else {
      const source = this.deps.source as QlikApi
      const src = await this.step(FIND_SOURCE, async () => findSource(this.ctx, source))
      // A mistyped target space or a target of another type or platform is found before the export.
      if (this.o.mode === 'promote') await this.lookUpTarget(src.name, src)
      const { info, path } = await this.step(EXPORT, async () =>
        exportPackage(this.ctx, source, src)
      )
      if (this.o.exportDir)
        await this.step(WRITE_FOLDER, async (rec) => {
          rec.detail = writeExportDir(this.ctx, path)
        })
      await this.step('Keep the package as an artifact', async () =>
        storeArtifact(this.ctx, src, path, info)
      )
      pkg = { src, info, path, restoredBindings: {} }
    }
    if (this.o.mode !== 'export') await this.deploy(pkg, input)
  }

  /** Find the target space and project (reads only); in mode promote, with the source's type. */
  private async lookUpTarget(srcName: string, src?: Project): Promise<TargetState> {
    if (this.target) return this.target
    const api = this.deps.target as QlikApi
    const space = await this.step(FIND_SPACE, async () => findTargetSpace(this.ctx, api))
    const name = this.o.targetProject || srcName
    const existing = await this.step(FIND_PROJECT, async (rec) => {
      const p = await findTargetProject(api, space, name)
      rec.detail = p
        ? `found ${p.name} (${p.id})`
        : `not found: it will be created in ${space.name}`
      if (src && p) {
        const failed = guardFailures(projectGuards(p, src, api.host))
        if (failed)
          throw new PipelineError(
            `Refused before the export and before any change: ${failed}`,
            FIND_PROJECT
          )
      }
      return p
    })
    this.target = { api, space, name, ...(existing ? { existing } : {}) }
    this.report.target = {
      tenant: api.host,
      ...(existing ? { projectId: existing.id } : {}),
      projectName: existing?.name ?? name,
      spaceId: space.id,
      spaceName: space.name,
      created: false
    }
    return this.target
  }

  /** Package -> target: reads and guards, then the writes, each in the ledger. */
  private async deploy(
    pkg: SourcePackage,
    input: { values: BindingValues; source: string }
  ): Promise<void> {
    const { src, info, path } = pkg
    const t = await this.lookUpTarget(src.name)
    const api = t.api
    // Uploads read the package from disk: a 10 MB package is not kept in memory for the whole run.
    const zip = await openAsBlob(path, { type: 'application/zip' })

    const bindings = await this.step(COMPUTE, async (rec) => {
      const b = await computeBindings(this.ctx, t, info, pkg.restoredBindings, input)
      rec.detail = `${b.diff.added.length} added, ${b.diff.changed.length} changed, ${b.diff.unchanged.length} unchanged`
      return b
    })
    this.bindings = bindings
    const { guards, connections, runtime } = await this.step(GUARDS, async (rec) => {
      const g = await runGuards(this.ctx, t, src, info, bindings)
      // tasks running on the target, run-tasks and trigger-tasks names: reads, checked with the rest
      const needsTasks =
        t.existing !== undefined || this.o.runTasks !== 'none' || this.o.triggerTasks.length > 0
      const tasks = needsTasks
        ? await readTasks(this.ctx, api, t.existing, path)
        : { plan: { running: [], toRun: [], toTrigger: [] }, guards: [] }
      g.guards.push(...tasks.guards)
      this.report.guards = g.guards
      const failed = guardFailures(g.guards)
      rec.detail =
        failed ??
        `${g.guards.filter((x) => x.status === 'passed').length} of ${g.guards.length} passed, none failed`
      if (failed && !this.o.dryRun)
        throw new PipelineError(`Refused before any change: ${failed}`, GUARDS)
      return { ...g, runtime: tasks.plan }
    })

    await this.step(PREFLIGHT, async (rec) => {
      const r = await preflight(this.ctx, this.o.dryRun ? this.deps.source : api, zip)
      rec.detail = r.detail
      if (r.skipped) rec.state = 'skipped'
    })

    if (this.o.dryRun) {
      const changes = await this.step(COMPARE, async (rec) => {
        const d = await compareWithTarget(this.ctx, t, path)
        rec.detail = diffLine(d)
        return d
      })
      await this.step(PLAN, async (rec) => {
        const plan = makePlan(this.o, t, bindings, guards, connections, changes, runtime)
        this.report.plan = plan
        rec.detail = plan.canApply
          ? 'the promotion can be applied'
          : `it would fail: ${plan.problems.join(' ')}`
        for (const line of planLines(plan)) this.deps.reporter.info(line)
        if (!plan.canApply)
          throw new PipelineError(
            `Dry run: the promotion would fail. ${plan.problems.join(' ')}`,
            PLAN
          )
      })
      return
    }

    // The writes, in order; the ledger lists them as not sent until they are.
    this.ledger.plan(api.host, [
      ...(t.existing
        ? []
        : [
            {
              kind: 'create-project' as const,
              what: `create project '${t.name}' in space ${t.space.name}`
            }
          ]),
      { kind: 'set-bindings', what: 'set the bindings' },
      ...(this.o.quiesce
        ? runtime.running.map((r) => ({
            kind: 'stop-task' as const,
            what: `stop task '${r.name}'`,
            taskId: r.id
          }))
        : []),
      { kind: 'import', what: 'import the package' },
      ...(this.o.prepare ? [{ kind: 'prepare' as const, what: 'prepare' }] : []),
      ...(this.o.validate ? [{ kind: 'validate' as const, what: 'validate' }] : []),
      ...(this.o.quiesce
        ? runtime.running.map((r) => ({
            kind: 'resume-task' as const,
            what: `start task '${r.name}' again`,
            taskId: r.id
          }))
        : []),
      ...runtime.toRun.map((r) => ({
        kind: 'run-task' as const,
        what: `run task '${r.name}'`,
        taskId: r.id
      })),
      ...runtime.toTrigger.map((r) => ({
        kind: 'trigger-task' as const,
        what: `trigger task '${r.name}'`,
        taskId: r.id
      }))
    ])

    const project =
      t.existing ??
      (await this.step(CREATE, async () => createTarget(this.ctx, api, src, t.space, t.name)))
    if (this.report.target) {
      this.report.target.projectId = project.id
      this.report.target.projectName = project.name
      this.report.target.created = !t.existing
    }

    if (t.existing && this.o.backup) {
      await this.step(BACKUP, async (rec) => {
        rec.detail = `artifact ${(await backupTarget(this.ctx, api, project)).name}`
      })
    } else if (t.existing) this.skip(BACKUP, "input 'backup' is false")

    await this.step(SET, async (rec) => {
      await setBindings(this.ctx, api, project, bindings)
      rec.detail = `${Object.keys(bindings.values).length} variable(s) set: ${bindings.diff.changed.length} changed, ${bindings.diff.added.length} added`
    })
    await this.step(CHECK_CONNECTIONS, async (rec) => {
      rec.detail = await checkConnections(this.ctx, api, project, t.space.name)
    })
    if (this.o.quiesce && runtime.running.length > 0)
      await this.step(QUIESCE, async (rec) => {
        rec.detail = await quiesce(this.ctx, api, project, runtime.running)
      })
    // whatever happens to the import, prepare and validate, the tasks this run stopped start again
    let deployError: unknown
    try {
      await this.step(IMPORT, async () => importPackage(this.ctx, api, project, zip, info))
      if (this.o.prepare)
        await this.step(PREPARE, async () => prepareProject(this.ctx, api, project))
      else this.skip(PREPARE, "input 'prepare' is false")
      if (this.o.validate)
        await this.step(VALIDATE, async () => validateProject(this.ctx, api, project))
      else this.skip(VALIDATE, "input 'validate' is false")
    } catch (e) {
      deployError = e
    }
    if (this.ledger.all('stop-task').some((e) => e.state === 'done')) {
      try {
        await this.step(RESUME, async (rec) => {
          rec.detail = await resume(this.ctx, api, project)
        })
      } catch (e) {
        if (!deployError) throw e
        this.deps.reporter.error((e as Error).message)
      }
    }
    if (deployError) throw deployError
    if (runtime.toRun.length > 0)
      await this.step(RUN_TASKS, async (rec) => {
        rec.detail = await runTasks(this.ctx, api, project, runtime.toRun)
      })
    if (runtime.toTrigger.length > 0)
      await this.step(TRIGGER, async (rec) => {
        rec.detail = await triggerTasks(this.ctx, api, runtime.toTrigger)
      })
    if (this.o.expectDataStores.length > 0)
      await this.step(DATA_STORES, async (rec) => {
        rec.detail = await checkDataStores(this.ctx, api)
      })
  }

  /**
   * When the import did not complete (refused, FAILED, CANCELED, SKIPPED, or never sent after the
   * bindings were set), put the existing target's previous bindings back, so it ends as it was.
   * Not when the import may be running or was applied: the new bindings belong to it then.
   */
  private async compensate(): Promise<void> {
    const t = this.target
    const b = this.bindings
    const set = this.ledger.find('set-bindings')
    if (
      !t?.existing ||
      !t.previous ||
      !b ||
      !set ||
      (set.state !== 'done' && set.state !== 'unknown')
    )
      return
    const imp = this.ledger.find('import')
    const importDidNotApply =
      !imp ||
      imp.state === 'not-sent' ||
      imp.state === 'refused' ||
      (imp.state === 'done' && ['FAILED', 'CANCELED', 'SKIPPED'].includes(imp.result ?? ''))
    if (!importDidNotApply) return
    if (this.o.onFailure === 'keep') {
      this.skip(RESTORE, "input 'on-failure' is keep: the new bindings stay for debugging")
      return
    }
    const existing = t.existing
    const previous = t.previous
    try {
      await this.step(RESTORE, async (rec) => {
        await restoreBindings(this.ctx, t.api, existing, previous, b)
        rec.detail = `${Object.keys(previous.variables).length} value(s) put back`
      })
    } catch (e) {
      this.deps.reporter.error(
        `The previous bindings could not be put back: ${(e as Error).message}`
      )
    }
  }
}
