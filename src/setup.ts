/* eslint-disable max-lines -- issue 33: to be split (known when the rule came in) */
import { say } from './text/escape.js'
import { createHash } from 'node:crypto'
import { existsSync, lstatSync, mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve as resolvePath } from 'node:path'
import { LocalArtifactStore } from './artifacts/local.js'
import type { Options, TenantOptions } from './options.js'
import type {
  ArtifactSource,
  ArtifactStore,
  Clock,
  Reporter,
  RunContext
} from './pipeline/ports.js'
import { runnerOf, workflowRunUrl } from './runner.js'
import type { RunReport } from './model/report.js'
import { Pipeline } from './pipeline/run.js'
import { planMarkdown } from './report/plan.js'
import { InputError } from './pipeline/errors.js'
import { loadProjectsFile, selectEntries, upstreamLookups } from './set/file.js'
import { runProjectSet } from './set/schedule.js'
import { ProjectReporter } from './report/project-reporter.js'
import { deploySet, exportSet } from './set/artifact.js'
import { newReport } from './model/report.js'
import { slug } from './pipeline/context.js'
import { QlikApi } from './qlik/api.js'
import { BudgetRegistry } from './qlik/budget.js'
import type { TenantAuth } from './qlik/auth.js'
import type { WaitOptions } from './pipeline/wait.js'
import { QlikClient } from './qlik/client.js'
import { Redactor } from './pipeline/redact.js'
import { loadPlan, sealPlan } from './pipeline/plan-file.js'
import type { Cancellation } from './pipeline/cancel.js'
import type { Journal, JournalWriter } from './pipeline/journal.js'

/** Build the pipeline's parts from options: shared by the action and the CLI. */

export interface SetupInput {
  options: Options
  reporter: Reporter
  clock: Clock
  env: NodeJS.ProcessEnv
  onSecret: (s: string) => void
  artifacts?: ArtifactStore
  workDir?: string
  polling?: Partial<
    Pick<WaitOptions, 'firstDelayMs' | 'maxDelayMs' | 'factor' | 'estimate' | 'floorMs'>
  >
  /** The run's request budgets (one per tenant and credential), shared by a set's projects. */
  budgets?: BudgetRegistry
  /** SIGINT / SIGTERM of a cancelled job (the adapters install it): waits stop, no write is sent. */
  cancel?: Cancellation
  /** The ledger on disk (the action keeps one for its post step): each pipeline writes its part. */
  journal?: Journal
  /** This pipeline's part of the journal (a set's project: tagged with its name). */
  journalWriter?: JournalWriter
  /** The projects-file entry this pipeline runs. */
  setEntry?: string
}

/** What the pipeline knows of the workflow run (src/runner.ts reads the runner's variables). */
export function runContext(env: NodeJS.ProcessEnv): RunContext {
  const r = runnerOf(env)
  const runUrl = workflowRunUrl(r)
  return {
    ref: r.ref,
    sha: r.sha,
    runId: r.runId,
    repository: r.repository,
    workspace: r.workspace,
    ...(runUrl ? { runUrl } : {})
  }
}

/** A work folder of this run: under RUNNER_TEMP in a runner (deleted with the job). */
const workFolder = (env: NodeJS.ProcessEnv): string =>
  join(runnerOf(env).temp ?? tmpdir(), `qlik-di-promote-${process.pid}-${Date.now()}`)

function api(
  side: 'source' | 'target',
  t: TenantOptions | undefined,
  input: SetupInput
): QlikApi | undefined {
  if (!t) return undefined
  const host = new URL(t.url).host
  const client = new QlikClient({
    ...(input.budgets ? { budget: input.budgets.for(host, credentialOf(t.auth)) } : {}),
    tenant: side,
    baseUrl: t.url,
    auth: t.auth,
    sleep: (ms) => input.clock.sleep(ms),
    now: () => input.clock.now(),
    logger: {
      debug: (m) => input.reporter.debug(m),
      info: (m) => input.reporter.info(m),
      warning: (m) => input.reporter.warning(m)
    },
    onSecret: input.onSecret
  })
  return new QlikApi(client)
}

/** Who a credential is, for its budget: a client id, or a digest of an API key (never the key). */
function credentialOf(auth: TenantAuth): string {
  return auth.clientId
    ? `${auth.kind}:${auth.clientId}`
    : `api-key:${createHash('sha256')
        .update(auth.apiKey ?? '')
        .digest('hex')
        .slice(0, 16)}`
}

/** Loads @actions/artifact (and the Azure SDK) only when an artifact is actually uploaded. */
class LazyGitHubArtifactStore implements ArtifactStore {
  readonly kind = 'github' as const
  async save(name: string, files: string[], rootDir: string, retentionDays?: number) {
    const { GitHubArtifactStore } = await import('./artifacts/github.js')
    return new GitHubArtifactStore().save(name, files, rootDir, retentionDays)
  }
  async load(name: string, destDir: string, from?: ArtifactSource) {
    const { GitHubArtifactStore } = await import('./artifacts/github.js')
    return new GitHubArtifactStore().load(name, destDir, from)
  }
}

/**
 * The CLI's own folder in the working directory (.qlik-di-promote). Built at run time from the
 * environment, so that the bundler does not see a path it would copy into dist/ as an asset.
 */
export function localDir(env: NodeJS.ProcessEnv): string {
  return join(process.cwd(), env.QLIK_DI_PROMOTE_LOCAL_DIR || ['.qlik', 'di', 'promote'].join('-'))
}

/** The artifact store: the one given, GitHub's in a runner, else a local directory. */
function artifactStore(input: SetupInput): ArtifactStore {
  const env = input.env
  return (
    input.artifacts ??
    (runnerOf(env).artifacts
      ? new LazyGitHubArtifactStore()
      : new LocalArtifactStore(env.QLIK_ARTIFACT_DIR || join(localDir(env), 'artifacts')))
  )
}

export function createPipeline(input: SetupInput): {
  pipeline: Pipeline
  close: () => Promise<void>
  source: QlikApi | undefined
  target: QlikApi | undefined
} {
  const { options, env } = input
  const workDir = input.workDir ?? workFolder(env)
  const artifacts = artifactStore(input)
  const source = api('source', options.source, input)
  const target = api('target', options.target, input)
  const pipeline = new Pipeline({
    options,
    ...(source ? { source } : {}),
    ...(target ? { target } : {}),
    artifacts,
    reporter: input.reporter,
    clock: input.clock,
    env,
    workDir,
    run: runContext(env),
    onSecret: input.onSecret,
    ...(input.polling ? { polling: input.polling } : {}),
    ...(input.cancel ? { cancel: input.cancel } : {}),
    ...(input.journalWriter ? { journal: input.journalWriter } : {}),
    ...(input.setEntry !== undefined ? { setEntry: input.setEntry } : {})
  })
  return {
    pipeline,
    source,
    target,
    close: async () => {
      await Promise.all([source?.client.close(), target?.client.close()])
    }
  }
}

/**
 * Build the pipeline, run it, close its connections and write the JSON report to `reportPath`, if any (and,
 * for a dry run, the release plan beside it: qlik-di-promote-plan.md and .json).
 * A report that cannot be written is a warning, not a failure of the promotion.
 */
export async function runPipeline(
  given: SetupInput,
  reportPath: string | undefined
): Promise<RunReport> {
  // every secret the run meets is also kept out of what it writes: log, summary, report, plans
  const secrets = new Redactor(given.env)
  const reporter = secrets.reporter(given.reporter)
  if (given.journal) given.journal.redact = (v) => secrets.value(v)
  // a cancelled run: every sleep (waits, retries, the request budget) ends at once
  const clock = given.cancel ? given.cancel.clock(given.clock) : given.clock
  const input: SetupInput = {
    ...given,
    clock,
    reporter,
    onSecret: (s) => {
      secrets.add(s)
      given.onSecret(s)
    },
    budgets: given.budgets ?? new BudgetRegistry(clock, (m) => reporter.info(m))
  }
  const runOne = async (
    options: Options,
    workDir?: string,
    artifacts?: ArtifactStore,
    reporter?: Reporter,
    name?: string
    // eslint-disable-next-line max-params -- issue 33: to take one named object (known when the rule came in)
  ): Promise<RunReport> => {
    const journalWriter = input.journal?.writer(name)
    const { pipeline, close, source, target } = createPipeline({
      ...input,
      options,
      ...(workDir ? { workDir } : {}),
      ...(artifacts ? { artifacts } : {}),
      ...(reporter ? { reporter } : {}),
      ...(journalWriter ? { journalWriter } : {}),
      ...(name !== undefined ? { setEntry: name } : {})
    })
    try {
      const report = await pipeline.run()
      // retries and rate-limit waits are log lines, not warnings: the summary counts them
      const stats = [source, target].flatMap((a) => (a ? [a.client.stats] : []))
      const retries = stats.reduce((n, x) => n + x.retries, 0)
      const rateLimited = stats.reduce((n, x) => n + x.rateLimited, 0)
      if (retries || rateLimited) report.http = { retries, rateLimited }
      return report
    } finally {
      // a cancelled run does not wait past its grace period for a request left in flight
      const closing = close()
      await (input.cancel ? input.cancel.bound(closing).catch(() => undefined) : closing)
    }
  }
  const started = input.clock.now()
  const report = sealed(
    secrets,
    input.options.projectsFile ? await runSet(input, runOne) : await runOne(input.options)
  )
  const env = input.env
  const runner = runnerOf(env)
  if (/^[0-9a-f]{7,64}$/i.test(runner.sha)) report.commit = runner.sha
  const runUrl = workflowRunUrl(runner)
  if (runUrl) report.runUrl = runUrl
  if (report.projects) {
    // a set's report is built from its projects': its times are the whole run's
    report.startedAt = new Date(started).toISOString()
    report.finishedAt = new Date(input.clock.now()).toISOString()
  }
  if (reportPath) writeReport(input, report, reportPath)
  return report
}

/**
 * The report as it is written and shown: redacted, but for the digests of a plan's fingerprint
 * (its names are redacted on their own), then each plan sealed with its own digest.
 */
function sealed(secrets: Redactor, raw: RunReport): RunReport {
  const report = secrets.value(raw, new Set(['fingerprint']))
  const plans = [report, ...(report.projectReports ?? []).map((x) => x.report)].flatMap((r) =>
    r.plan ? [r.plan] : []
  )
  for (const plan of plans) {
    if (plan.fingerprint) plan.fingerprint.names = secrets.value(plan.fingerprint.names)
    sealPlan(plan)
  }
  return report
}

/**
 * projects-file: read the set and the selection (bad input before any request), then promote,
 * export or deploy it as a graph, max-parallel projects at once, each project's log lines tagged
 * with its name.
 */
// eslint-disable-next-line max-lines-per-function -- issue 33: to be split (known when the rule came in)
async function runSet(
  input: SetupInput,
  // eslint-disable-next-line max-params -- issue 33: to take one named object (known when the rule came in)
  runOne: (
    o: Options,
    workDir?: string,
    artifacts?: ArtifactStore,
    reporter?: Reporter,
    name?: string
  ) => Promise<RunReport>
): Promise<RunReport> {
  const o = input.options
  const root = input.workDir ?? workFolder(input.env)
  const run = runContext(input.env)
  try {
    const all = loadProjectsFile(o.projectsFile, run.workspace)
    const entries = selectEntries(all, o.only, o.withUpstream)
    // plan-file: every project to run has its plan in it (each is checked again as it starts)
    if (o.planFile) {
      const problems = entries.flatMap((e) => {
        try {
          loadPlan(o.planFile, e.name)
          return []
        } catch (err) {
          if (err instanceof InputError) return [err.message]
          throw err
        }
      })
      if (problems.length)
        throw new InputError(
          problems.length === 1
            ? (problems[0] as string)
            : `Input 'plan-file': ${problems.length} of the ${entries.length} projects cannot be applied:\n  ${problems.join('\n  ')}`,
          'Check the inputs'
        )
    }
    const sideBySide = o.maxParallel > 1 && entries.length > 1
    if (entries.length < all.length)
      input.reporter.info(
        `Running ${entries.length} of the ${all.length} projects of ${o.projectsFile} (only${o.withUpstream ? ', with-upstream' : ''}): ${entries.map((e) => e.name).join(', ')}`
      )
    const each = (
      x: Options,
      workDir: string,
      artifacts: ArtifactStore | undefined,
      name: string
    ): Promise<RunReport> => {
      input.reporter.info(say`== Project ${name} ==`)
      return runOne(
        x,
        workDir,
        artifacts,
        new ProjectReporter(input.reporter, name, sideBySide),
        name
      )
    }
    const lookups = upstreamLookups(all, entries, o)
    if (o.mode === 'export')
      return await exportSet(
        o,
        entries,
        artifactStore(input),
        root,
        run,
        () => input.clock.now(),
        each,
        input.cancel
      )
    if (o.mode === 'deploy' || o.mode === 'drift')
      return await deploySet(
        o,
        entries,
        artifactStore(input),
        root,
        run.repository,
        each,
        lookups,
        input.cancel
      )
    return await runProjectSet({
      base: o,
      entries,
      runOne: (x, e) => each(x, join(root, slug(e.name)), undefined, e.name),
      lookups,
      ...(input.cancel ? { cancel: input.cancel } : {})
    })
  } catch (e) {
    if (!(e instanceof InputError)) throw e
    const report = newReport(o.mode, o.dryRun, input.clock.now())
    report.outcome = 'failed'
    report.error = e.message
    report.badInput = true
    report.failedStep = e.step
    return report
  }
}

/**
 * Why the report cannot be written at this path, before anything runs: it must be a regular file
 * (or not exist yet) in a folder, never under /proc, /sys or /dev (writing there hangs or does
 * worse) and never through a symbolic link.
 */
export function reportPathProblem(reportPath: string): string | undefined {
  const abs = resolvePath(reportPath)
  if (/^\/(proc|sys|dev)(\/|$)/.test(abs))
    return `Input 'report-path' (${reportPath}) is under /proc, /sys or /dev; give a file in a folder of the runner, e.g. \${{ runner.temp }}/report.json.`
  let st
  try {
    st = lstatSync(abs)
  } catch {
    return undefined // a new file (its folder is created)
  }
  if (st.isSymbolicLink())
    return `Input 'report-path' (${reportPath}) is a symbolic link; give the file itself.`
  if (!st.isFile())
    return `Input 'report-path' (${reportPath}) is ${st.isDirectory() ? 'a folder' : 'not a regular file'}; give a file name, e.g. ${join(reportPath, 'report.json')}.`
  return undefined
}

function writeReport(input: SetupInput, report: RunReport, reportPath: string): void {
  try {
    mkdirSync(dirname(reportPath), { recursive: true })
    // the release plan a workflow can post as a pull-request comment: Markdown, and JSON beside it
    // (a set of projects: every project's plan, in order)
    const plans = report.projectReports
      ? report.projectReports.filter((x) => x.report.plan).map((x) => x.report)
      : report.plan
        ? [report]
        : []
    if (plans.length > 0) {
      const planPath = join(dirname(reportPath), 'qlik-di-promote-plan.md')
      writeFileSync(planPath, plans.map((r) => planMarkdown(r)).join('\n'))
      const json = report.projectReports
        ? report.projectReports.map((x) => ({ project: x.name, plan: x.report.plan ?? null }))
        : report.plan
      writeFileSync(planPath.replace(/\.md$/, '.json'), `${JSON.stringify(json, null, 2)}\n`)
      report.planPath = planPath
    }
    writeFileSync(reportPath, `${JSON.stringify(report, null, 2)}\n`)
  } catch (e) {
    input.reporter.warning(`Could not write the report to ${reportPath}: ${(e as Error).message}`)
  }
}

/**
 * upload-report: the report (and a dry run's plan files, written beside it) as a small artifact of
 * the workflow run, so that it outlives the job (RUNNER_TEMP is deleted with it). Only in a GitHub
 * runner; a failure to upload is a warning. Answers the artifact's name.
 */
// eslint-disable-next-line max-params -- issue 33: to take one named object (known when the rule came in)
export async function uploadReport(
  report: RunReport,
  reportPath: string,
  options: Options,
  env: NodeJS.ProcessEnv,
  reporter: Reporter,
  store: ArtifactStore = new LazyGitHubArtifactStore()
): Promise<string | undefined> {
  const runner = runnerOf(env)
  if (!options.uploadReport || !runner.artifacts || !existsSync(reportPath)) return undefined
  const planPath = report.planPath
  const files = [
    reportPath,
    ...(planPath ? [planPath, planPath.replace(/\.md$/, '.json')] : [])
  ].filter((f) => existsSync(f) && dirname(f) === dirname(reportPath))
  // one per job, project and attempt: names are unique within a workflow run
  const who = report.projects
    ? 'set'
    : slug(report.target?.projectName ?? report.source?.projectName ?? report.mode)
  const name = `qlik-di-report-${slug(runner.job ?? 'job')}-${who}-${runner.attempt ?? '1'}`
  try {
    await store.save(name, files, dirname(reportPath), options.retentionDays)
    reporter.info(
      `Report kept as artifact ${name} (attach it to a bug report: it holds no secret).`
    )
    return name
  } catch (e) {
    reporter.warning(
      `Could not upload the report as artifact ${name} (${(e as Error).message}); it stays at ${reportPath} until the job ends.`
    )
    return undefined
  }
}
