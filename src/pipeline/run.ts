/* eslint-disable max-lines -- issue 33: to be split (known when the rule came in) */
import { say } from '../text/escape.js'
import { dataImpact } from './steps/impact.js'
import { randomBytes } from 'node:crypto'
import { openAsBlob, readFileSync } from 'node:fs'
import { unzipPackage, type ProjectDefinition } from '../package/layout.js'
import {
  CHECK_PLAN,
  filesDigest,
  fingerprint,
  loadPlan,
  planDifferences,
  type LoadedPlan
} from './plan-file.js'
import { PackageContent } from '../package/content.js'
import type { Project, QlikApi } from '../qlik/api.js'
import { BindingsInputError, loadBindingsInputs, type BindingsInput } from './bindings.js'
import type {
  ComputedBindings,
  PipelineDeps,
  SourcePackage,
  StepContext,
  TargetState
} from './context.js'
import { explain, InputError, PipelineError } from './errors.js'
import { type Cancellation, isCancelled } from './cancel.js'
import { RESUME, resume, resumeBlocked } from './steps/quiesce.js'
import { accountOf, Ledger } from './ledger.js'
import { accountWords } from '../model/account.js'
import { actionState, importState, isAction } from '../model/ledger.js'
import { holdsSecret } from './secrets.js'
import { newReport, type RunReport, type StepRecord } from '../model/report.js'
import { plannedSteps, plannedWrites, runDeploySteps, type DeployState } from './deploy-steps.js'
import { rollbackHint } from './steps/backup.js'
import { COMPUTE, computeBindings, RESTORE, restoreBindings } from './steps/bindings.js'
import { EXPORT, exportPackage, storeArtifact } from './steps/export.js'
import { WRITE_FOLDER, writeExportDir } from './steps/export-dir.js'
import { FIND_SOURCE, findSource } from './steps/find-source.js'
import { GUARDS, guardFailures, projectGuards, runGuards } from './steps/guards.js'
import { LOAD, loadPackage } from './steps/load-package.js'
import { DRIFT, differences } from './steps/drift.js'
import type { ReleaseDiff } from '../package/diff.js'
import { CHECK, parseNote, validateOffline } from './steps/offline.js'
import { compareWithTarget, COMPARE, diffLine, makePlan, PLAN, planLines } from './steps/plan.js'
import { PREFLIGHT, preflight } from './steps/preflight.js'
import { readTasks, type RuntimePlan } from './steps/task-plan.js'
import { FIND_PROJECT, FIND_SPACE, findTargetProject, findTargetSpace } from './steps/target.js'
import { REPLAN, type PlanFingerprint } from '../model/plan.js'

const newSalt = (): string => randomBytes(16).toString('hex')

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
  /** The step this pipeline is in (a cancelled run says where the signal came). */
  private current = 'the run'
  /** plan-file: the reviewed plan this run must be. */
  private applying?: LoadedPlan
  /** The target project's definition as its export had it (the release diff's other side). */
  private targetDefinition?: ProjectDefinition
  private contentDigest?: string

  constructor(private readonly deps: PipelineDeps) {
    this.report = newReport(deps.options.mode, deps.options.dryRun, deps.clock.now())
    this.ledger = new Ledger(() => deps.clock.now())
    if (deps.cancel) {
      const cancel = deps.cancel
      this.ledger.gate = () => cancel.check(this.current)
      this.ledger.bound = (answer) => cancel.bound(answer)
    }
    if (deps.journal) {
      const journal = deps.journal
      this.ledger.onChange = (event, entry) => journal.write(event, entry)
    }
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
    const cancel = this.deps.cancel
    if (cancel) {
      // a cancelled run starts no step (but its compensation's)
      cancel.check(this.current)
      if (!cancel.compensating) this.current = cancel.step = name
    }
    const rec: StepRecord = { name, state: 'succeeded', durationMs: 0 }
    const start = this.deps.clock.now()
    this.report.steps.push(rec)
    this.deps.journal?.facts({ step: name })
    try {
      return await this.deps.reporter.group(name, () => fn(rec))
    } catch (e) {
      rec.state = 'failed'
      rec.detail = (e as Error).message
      throw e instanceof PipelineError ? e : new PipelineError(explain(e, name), name)
    } finally {
      rec.durationMs = this.deps.clock.now() - start
      // the backup, once made, is how a killed run is rolled back
      const rollback = this.deps.journal && rollbackHint(this.ctx)
      if (rollback) this.deps.journal?.facts({ rollback })
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
      // values from the environment are masked like the credentials (short ones would mask the log)
      for (const v of input.sensitive) if (v.length >= 4) this.deps.onSecret?.(v)
      // the plan to apply: its shape, digest and verdict are checked before any request
      if (this.o.planFile) this.applying = loadPlan(this.o.planFile, this.deps.setEntry)
      await this.promote(input)
    } catch (e) {
      failure = e instanceof PipelineError ? e : new PipelineError(explain(e, 'run'), 'run')
      const cancel = this.deps.cancel
      if (cancel?.cancelled) {
        // whatever surfaced, the cause is the cancellation: say where it came
        failure = cancel.errorFor(this.current)
        await this.compensateCancelled(cancel)
      } else await this.compensate()
    }
    this.finish(failure)
    return this.report
  }

  /**
   * A cancelled run puts back what it can within the grace period: the bindings when no import was
   * sent (as for any failure before the import), the tasks it stopped when no action of Qlik's is
   * still running (a running task cannot be changed then: the account names them and how to start
   * them). Actions that were sent and whose end was not seen continue on Qlik's side: Qlik has no
   * cancel for them. A second signal skips all of it.
   */
  private async compensateCancelled(cancel: Cancellation): Promise<void> {
    // started and their end not seen (a lost answer is already 'unknown')
    const inFlight = this.ledger.entries.filter(
      (e) => isAction(e.kind) && e.state === 'done' && actionState(e) === 'running'
    )
    for (const e of inFlight) e.result = 'unknown'
    this.deps.reporter.warning(
      `Cancelled (${cancel.signal}) during '${this.current}'.` +
        (inFlight.length
          ? ` ${inFlight.map((e) => `The ${e.kind} (action ${e.actionId ?? 'unknown'})`).join(', ')} continues on Qlik's side: Qlik has no cancel for it.`
          : '') +
        (cancel.hard
          ? ' A second signal: nothing is put back.'
          : ' Putting back what can be put back.'),
      { title: 'Run cancelled' }
    )
    if (cancel.hard) return
    cancel.beginCompensation()
    await this.compensate()
    const stopped = this.ledger
      .all('stop-task')
      .filter(
        (e) => e.state === 'done' && this.ledger.find('resume-task', e.taskId)?.state !== 'done'
      )
    const project = this.target?.existing
    if (!stopped.length || !project || !this.target) return
    const blocked = resumeBlocked(this.ctx)
    if (blocked) {
      this.skip(RESUME, blocked)
      return
    }
    const api = this.target.api
    try {
      await this.step(RESUME, async (rec) => {
        rec.detail = await resume(this.ctx, api, project)
      })
    } catch (e) {
      this.deps.reporter.error((e as Error).message)
    }
  }

  private finish(failure: PipelineError | undefined): void {
    const r = this.report
    const rollback = rollbackHint(this.ctx)
    const parts =
      this.o.mode !== 'export' && this.o.mode !== 'validate'
        ? accountOf(this.ledger.entries, {
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
        : undefined
    const account = parts ? accountWords(parts) : []
    r.ledger = {
      entries: this.ledger.entries.map((e) => ({ ...e })),
      account,
      ...(parts ? { parts } : {})
    }
    if (failure) {
      r.outcome = isCancelled(failure) ? 'cancelled' : 'failed'
      if (isCancelled(failure)) r.cancelled = { signal: failure.signal, during: failure.step }
      r.error = [failure.message, ...account].join('\n')
      if (failure.badInput) r.badInput = true
      const failed = r.steps.find((st) => st.state === 'failed')?.name
      r.failedStep = failed ?? failure.step
    }
    r.finishedAt = new Date(this.deps.clock.now()).toISOString()
    this.deps.journal?.end(r.outcome)
  }

  private async promote(input: BindingsInput): Promise<void> {
    if (this.o.mode === 'validate') {
      await this.step(CHECK, async () => validateOffline(this.ctx))
      return
    }
    let pkg: SourcePackage
    if (this.o.mode === 'deploy' || this.o.mode === 'drift') {
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
      pkg = {
        src,
        info,
        path,
        content: PackageContent.ofZipFile(path, parseNote(this.ctx)),
        restoredBindings: {}
      }
    }
    if (this.o.mode === 'drift') await this.drift(pkg, input)
    else if (this.o.mode !== 'export') await this.deploy(pkg, input)
  }

  /** The target's bindings as this run would set them (reads only). */
  private async computeBindings(
    t: TargetState,
    pkg: SourcePackage,
    input: BindingsInput
  ): Promise<ComputedBindings> {
    const b = await this.step(COMPUTE, async (rec) => {
      const b = await computeBindings(this.ctx, t, pkg.info, pkg.restoredBindings, input)
      rec.detail = `${b.diff.added.length} added, ${b.diff.changed.length} changed, ${b.diff.unchanged.length} unchanged`
      return b
    })
    this.bindings = b
    return b
  }

  /** The release diff: the package against an export of the target (reads only). */
  private compare(t: TargetState, pkg: SourcePackage): Promise<ReleaseDiff> {
    return this.step(COMPARE, async (rec) => {
      const { diff, current } = await compareWithTarget(this.ctx, t, pkg.content)
      this.targetDefinition = current
      rec.detail = diffLine(diff)
      return diff
    })
  }

  /**
   * Mode drift, reads only: does the target project still equal the package and the bindings?
   * Every difference is named (project, task, setting or file, binding name, never its value); the
   * plan files are written as for a dry run.
   */
  private async drift(pkg: SourcePackage, input: BindingsInput): Promise<void> {
    const t = await this.lookUpTarget(pkg.src.name)
    const bindings = await this.computeBindings(t, pkg, input)
    const changes = await this.compare(t, pkg)
    await this.step(DRIFT, async (rec) => {
      const found = differences(changes, bindings)
      this.report.drift = {
        drifted: found.length > 0,
        targetExists: changes.targetExists,
        differences: found
      }
      this.report.plan = makePlan([], [], [], t, bindings, changes, false)
      rec.detail = found.length
        ? `${found.length} difference(s): the target has drifted from the package`
        : 'the target equals the package and the bindings'
      for (const d of found)
        this.deps.reporter.warning(`Drift on ${t.api.host} (${t.name}): ${d}`, {
          title: 'Drift from the package'
        })
    })
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
        ? say`found ${p.name} (${p.id})`
        : say`not found: it will be created in ${space.name}`
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
    this.deps.journal?.facts({
      tenant: `the ${api.tenant} tenant ${api.host}`,
      project: existing ? say`${existing.name} (${existing.id})` : say`${name} (to be created)`,
      existed: existing !== undefined
    })
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
  // eslint-disable-next-line max-lines-per-function -- issue 33: to be split (known when the rule came in)
  private async deploy(pkg: SourcePackage, input: BindingsInput): Promise<void> {
    const { src, info, path } = pkg
    const t = await this.lookUpTarget(src.name)
    const api = t.api
    // Uploads read the package from disk: a 10 MB package is not kept in memory for the whole run.
    const zip = await openAsBlob(path, { type: 'application/zip' })

    const bindings = await this.computeBindings(t, pkg, input)
    // skip-unchanged: a target that already equals the package gets no write at all
    let changes: ReleaseDiff | undefined
    let unchanged = false
    if (this.o.skipUnchanged && t.existing) {
      changes = await this.compare(t, pkg)
      const found = differences(changes, bindings)
      unchanged = found.length === 0
      if (!unchanged)
        this.deps.reporter.info(
          `Not unchanged (${found.length} difference(s)): ${found.slice(0, 5).join('; ')}${found.length > 5 ? '; ...' : ''}`
        )
    }
    // with a plan to apply, an unchanged target is skipped once the plan is checked
    if (unchanged && !this.applying) return this.skipUnchanged(pkg, t, bindings, changes)
    const { guards, connections, runtime } = await this.step(GUARDS, async (rec) => {
      const g = await runGuards(this.ctx, t, src, info, bindings)
      // tasks running on the target, run-tasks and trigger-tasks names: reads, checked with the rest
      const needsTasks =
        t.existing !== undefined || this.o.runTasks !== 'none' || this.o.triggerTasks.length > 0
      const tasks = needsTasks
        ? await readTasks(this.ctx, api, t.existing, pkg.content)
        : { plan: { running: [], toRun: [], toTrigger: [] }, guards: [] }
      g.guards.push(...tasks.guards)
      this.report.guards = g.guards
      const failed = guardFailures(g.guards)
      rec.detail =
        failed ??
        `${g.guards.filter((x) => x.status === 'passed').length} of ${g.guards.length} passed, none failed`
      if (failed && !this.o.dryRun)
        throw new PipelineError(`Refused before any change: ${failed}`, GUARDS)
      // a dry run goes on to its plan, but the step is what failed
      if (failed) rec.state = 'failed'
      return { ...g, runtime: tasks.plan }
    })

    if (this.applying) {
      changes ??= await this.compare(t, pkg)
      const steps = unchanged ? [] : plannedSteps({ o: this.o, t, bindings, runtime })
      await this.checkPlan(this.applying, pkg, t, bindings, steps, runtime)
      if (unchanged) return this.skipUnchanged(pkg, t, bindings, changes)
    }

    await this.step(PREFLIGHT, async (rec) => {
      const r = await preflight(this.ctx, this.o.dryRun ? this.deps.source : api, zip)
      rec.detail = r.detail
      if (r.skipped) rec.state = 'skipped'
    })

    if (this.o.dryRun) {
      changes ??= await this.compare(t, pkg)
      const diff = changes
      await this.step(PLAN, async (rec) => {
        const steps = plannedSteps({ o: this.o, t, bindings, runtime })
        const impact = diff
          ? dataImpact(diff, { allowRecreate: this.o.allowRecreate, prepare: this.o.prepare })
          : undefined
        const plan = makePlan(guards, connections, steps, t, bindings, diff, true, impact)
        plan.fingerprint = this.fingerprintOf(pkg, t, bindings, steps, runtime, newSalt())
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
    const facts = { o: this.o, t, bindings, runtime }
    this.ledger.plan(api.host, plannedWrites(facts))
    // a new target has no project until the create step, the first of the sequence, sets it
    const state: DeployState = { ...facts, api, src, info, zip, project: t.existing as Project }
    await runDeploySteps(
      this.ctx,
      state,
      (name, fn) => this.step(name, fn),
      (name, why) => this.skip(name, why)
    )
  }

  /** skip-unchanged: the target equals the package and the bindings; nothing is sent. */
  private skipUnchanged(
    pkg: SourcePackage,
    t: TargetState,
    bindings: ComputedBindings,
    changes: ReleaseDiff | undefined
  ): void {
    this.report.unchanged = true
    if (this.o.dryRun) {
      const plan = makePlan([], [], [], t, bindings, changes)
      plan.fingerprint = this.fingerprintOf(pkg, t, bindings, [], undefined, newSalt())
      this.report.plan = plan
    }
    this.skip(
      'Deploy the package',
      say`skip-unchanged: ${t.existing?.name} on ${t.api.host} already equals the package and the bindings`
    )
  }

  /** What this run is made from, as a plan's fingerprint says it (digests salted with `salt`). */
  // eslint-disable-next-line max-params -- issue 33: to take one named object (known when the rule came in)
  private fingerprintOf(
    pkg: SourcePackage,
    t: TargetState,
    b: ComputedBindings,
    steps: string[],
    runtime: RuntimePlan | undefined,
    salt: string
  ): PlanFingerprint {
    const { run } = this.deps
    // the files of the package, not only its ZIP: a new export of the same project may differ in
    // its ZIP's bytes (dates) and still hold the same files
    this.contentDigest ??= filesDigest(unzipPackage(new Uint8Array(readFileSync(pkg.path))))
    return fingerprint({
      salt,
      madeAt: new Date(this.deps.clock.now()).toISOString(),
      ...(run.sha ? { commit: run.sha } : {}),
      run: run.runUrl ?? (run.runId ? `run ${run.runId}` : 'a local run'),
      tenant: t.api.host,
      spaceId: t.space.id,
      projectName: t.existing?.name ?? t.name,
      ...(t.existing ? { projectId: t.existing.id } : {}),
      packageSha256: pkg.info.sha256,
      packageContent: this.contentDigest,
      sent: b.values,
      secretNames: Object.keys(b.values).filter(
        (n) => Object.hasOwn(b.templates, n) || holdsSecret(b.values[n], b.secrets)
      ),
      ...(t.existing && this.targetDefinition ? { current: this.targetDefinition } : {}),
      ...(t.previous ? { targetBindings: t.previous.variables } : {}),
      ...(runtime?.statesRead ? { running: runtime.running } : {}),
      steps
    })
  }

  /**
   * plan-file: before the first write, this run must be the reviewed plan: the same package, the
   * bindings it would send, the target as the plan read it and the same steps. Refused (nothing
   * written, the ledger says so) naming each difference.
   */
  // eslint-disable-next-line max-params -- issue 33: to take one named object (known when the rule came in)
  private async checkPlan(
    loaded: LoadedPlan,
    pkg: SourcePackage,
    t: TargetState,
    b: ComputedBindings,
    steps: string[],
    runtime: RuntimePlan
  ): Promise<void> {
    await this.step(CHECK_PLAN, async (rec) => {
      const fp = loaded.plan.fingerprint
      const now = this.fingerprintOf(pkg, t, b, steps, runtime, fp.digests.salt)
      const found = planDifferences(fp, loaded.plan.steps, now, steps)
      this.report.planCheck = {
        path: loaded.path,
        digest: fp.digest,
        madeAt: fp.madeAt,
        ...(fp.commit ? { commit: fp.commit } : {}),
        ...(fp.run ? { run: fp.run } : {}),
        differences: found
      }
      const which = `plan ${fp.digest.slice(0, 12)} (made ${fp.madeAt} by ${fp.run ?? 'an unnamed run'}${fp.commit ? ` at commit ${fp.commit.slice(0, 12)}` : ''})`
      if (found.length)
        throw new PipelineError(
          `Refused before any change: this run is not the ${which} in plan-file ${loaded.path}; ${found.length} difference(s):\n  ` +
            `${found.join('\n  ')}\n` +
            `${REPLAN}.`,
          CHECK_PLAN
        )
      if (fp.package.sha256 !== pkg.info.sha256)
        this.deps.reporter.info(
          `The package's ZIP is not the plan's (sha256 ${pkg.info.sha256}, the plan's ${fp.package.sha256}) but holds the same files: it is the plan's package.`
        )
      rec.detail = `this run is the ${which}: same package, bindings, target and steps`
      this.deps.reporter.info(`Applying ${which} from ${loaded.path}: ${rec.detail}.`)
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
    const imported = importState(this.ledger.entries)
    if (imported === 'running' || imported === 'completed') return
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
