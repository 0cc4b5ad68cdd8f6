/**
 * A cancelled job, as the runner cancels it (SIGINT; SIGTERM 7.5 s later; SIGKILL 2.5 s after):
 * the bundles stop at a safe point, put back what they can and write the account before SIGTERM.
 * A killed one (SIGKILL): the post step writes the account from the run's journal.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Simulator } from '../../src/simulator/server.js'
import { runAction, runPost, type ActionRun } from '../helpers/action.js'
import { E2E_NODE, ROOT } from '../helpers/bundle.js'
import {
  cliPromoteArgs,
  PROD_BINDINGS_YAML,
  projectsFile,
  promoteInputs,
  setInputs
} from '../helpers/pipeline.js'
import { startDemo, threeProjects, withDownstream } from '../helpers/sim.js'

let sim: Simulator
afterEach(async () => {
  await sim?.close()
})

/**
 * The runner's sequence from the moment `when` holds: SIGINT, then SIGTERM at 7.5 s, SIGKILL at 10 s
 * (`twice`: a second SIGINT right after the first, as an impatient person presses Ctrl-C twice).
 */
function cancelWhen(
  when: (out: string) => boolean,
  opts: { twice?: boolean } = {}
): {
  watch: (out: string, child: ChildProcess) => void
  sentAt: () => number | undefined
} {
  let sent: number | undefined
  return {
    watch: (out, child) => {
      if (sent !== undefined || !when(out)) return
      sent = Date.now()
      child.kill('SIGINT')
      if (opts.twice) setTimeout(() => child.kill('SIGINT'), 100)
      const term = setTimeout(() => child.kill('SIGTERM'), 7500)
      const kill = setTimeout(() => child.kill('SIGKILL'), 10_000)
      child.on('close', () => {
        clearTimeout(term)
        clearTimeout(kill)
      })
    },
    sentAt: () => sent
  }
}

it('cancelled while the bindings PUT is in flight: it finishes, no import is sent, the bindings are put back, the account is written before SIGTERM', async () => {
  sim = await startDemo()
  const inputs = promoteInputs(sim) as Record<string, string>
  expect((await runAction(inputs)).code).toBe(0)
  const prod = () => sim.state('prod').projects.find((p) => p.name === 'Sales pipeline')!
  const before = { ...prod().bindings }
  const imports = prod().importCount
  sim.injectFault({ tenant: 'prod', method: 'PUT', path: '/bindings', latencyMs: 1500, times: 1 })
  const c = cancelWhen((out) => out.includes('::group::Set the target bindings'))
  const r = await runAction(
    { ...inputs, bindings: PROD_BINDINGS_YAML.replace('ANALYTICS', 'ANALYTICS_V2') },
    {},
    c.watch
  )
  const took = Date.now() - (c.sentAt() as number)
  expect(took).toBeLessThan(7500)
  expect(r.code).toBe(1)
  expect(prod().bindings).toEqual(before)
  expect(prod().importCount).toBe(imports)
  expect(r.summary).toContain(
    '## ⏹️ Cancelled (SIGINT) during Set the target bindings · Sales pipeline'
  )
  expect(r.summary).toContain('bindings put back as they were before this run')
  expect(r.stdout).toContain('SIGINT received: the run stops at a safe point')
  const report = JSON.parse(readFileSync(r.outputs['report-path']!, 'utf8'))
  expect(report.outcome).toBe('cancelled')
  expect(report.cancelled).toEqual({ signal: 'SIGINT', during: 'Set the target bindings' })
  expect(
    report.ledger.entries.map((e: { kind: string; state: string }) => `${e.kind}:${e.state}`)
  ).toEqual([
    'set-bindings:done',
    'import:not-sent',
    'prepare:not-sent',
    'validate:not-sent',
    'restore-bindings:done'
  ])
}, 60000)

it('the CLI on Ctrl-C while the import runs: exit 130, the import named as continuing on Qlik with its action id', async () => {
  sim = await startDemo({
    timing: { actionPendingMs: 200, actionTaskMs: 3000, taskRunMs: 150, taskStartingMs: 20 }
  })
  const dev = sim.tenantInfo('dev')
  const prod = sim.tenantInfo('prod')
  const cwd = mkdtempSync(join(tmpdir(), 'qdp-cancel-'))
  const child = spawn(
    E2E_NODE,
    [
      join(ROOT, 'dist/cli/index.js'),
      ...cliPromoteArgs(sim),
      '--report-path',
      join(cwd, 'report.json')
    ],
    {
      cwd,
      env: {
        PATH: process.env.PATH ?? '',
        QLIK_SOURCE_API_KEY: dev.apiKey,
        QLIK_TARGET_API_KEY: prod.apiKey,
        QLIK_ARTIFACT_DIR: join(cwd, '.out')
      },
      stdio: ['ignore', 'pipe', 'pipe']
    }
  )
  let out = ''
  const c = cancelWhen((o) => /Import started: action/.test(o))
  const onData = (d: Buffer): void => {
    out += d.toString()
    c.watch(out, child)
  }
  child.stdout.on('data', onData)
  child.stderr.on('data', onData)
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  expect(Date.now() - (c.sentAt() as number)).toBeLessThan(7500)
  expect(code).toBe(130)
  expect(out).toContain('CANCELLED')
  const report = JSON.parse(readFileSync(join(cwd, 'report.json'), 'utf8'))
  expect(report.outcome).toBe('cancelled')
  const imp = report.ledger.entries.find((e: { kind: string }) => e.kind === 'import')
  expect(imp).toMatchObject({ state: 'done', result: 'unknown' })
  expect(out).toContain(`continues on Qlik's side`)
  expect(out).toContain(`wait for import action ${imp.actionId} to end`)
  expect(
    report.ledger.entries
      .filter((e: { kind: string }) => e.kind === 'prepare' || e.kind === 'validate')
      .map((e: { state: string }) => e.state)
  ).toEqual(['not-sent', 'not-sent'])
}, 60000)

const REPLICATION_BINDINGS = `
task.replicate_orders.sourceConnection: "{{id(connection, PROD_SOURCES.orders_postgres)}}"
task.replicate_orders.targetConnection: "{{id(connection, PROD_DATA.sqlserver_replica_prod)}}"
`
/** Slow actions (3 s), so that a signal lands while one runs. */
const SLOW = { actionPendingMs: 200, actionTaskMs: 3000, taskRunMs: 150, taskStartingMs: 20 }

/** The replication project deployed with its CDC task running: the next release quiesces it. */
async function replicationRunning(): Promise<Record<string, string>> {
  sim = await startDemo({ ...withDownstream(), timing: SLOW })
  const inputs = promoteInputs(sim, {
    'source-project': 'Orders replication',
    bindings: REPLICATION_BINDINGS
  }) as Record<string, string>
  const first = await runAction({ ...inputs, 'run-tasks': 'all', 'run-healthy-seconds': '0' })
  expect(first.code).toBe(0)
  expect(cdcState()).toBe('RUNNING')
  return { ...inputs, quiesce: 'true' }
}

const cdcState = (): string => {
  const t = sim
    .state('prod')
    .projects.find((p) => p.name === 'Orders replication')!
    .tasks.find((x) => x.id === 'replicate_orders')!
  const run = t.runs.at(-1)
  if (!run) return 'none'
  if (run.stoppedAt !== undefined) return 'CANCELED'
  return run.endsAt === undefined ? 'RUNNING' : run.outcome
}

const reportOf = (r: ActionRun) => JSON.parse(readFileSync(r.outputs['report-path']!, 'utf8'))
const writes = (report: { ledger: { entries: Array<{ kind: string; state: string }> } }) =>
  report.ledger.entries.map((e) => `${e.kind}:${e.state}`)

/** A cancelled action run: exit 1 before the runner's SIGTERM, outcome cancelled, the account out. */
async function cancelledRun(
  inputs: Record<string, string>,
  when: (out: string) => boolean,
  opts: { twice?: boolean; set?: boolean } = {}
): Promise<{ r: ActionRun; report: ReturnType<typeof reportOf> }> {
  const c = cancelWhen(when, opts)
  const r = await runAction(inputs, {}, c.watch)
  expect(c.sentAt()).toBeDefined()
  expect(Date.now() - (c.sentAt() as number)).toBeLessThan(7500)
  expect(r.code).toBe(1)
  const report = reportOf(r)
  expect(report.outcome).toBe('cancelled')
  expect(r.summary).toContain(opts.set ? '## ⏹️ Cancelled (SIGINT): ' : '## ⏹️ Cancelled (SIGINT')
  // the post step has nothing to add to an account the main step wrote
  const post = await runPost(r)
  expect(post.code).toBe(0)
  expect(post.stdout).not.toContain('::error')
  expect(post.summary).toBe('')
  return { r, report }
}

it('cancelled while the import runs after quiesce stopped the CDC task: the task is named as stopped, with how to start it', async () => {
  const inputs = await replicationRunning()
  const { r, report } = await cancelledRun(inputs, (o) => /Import started: action/.test(o))
  expect(cdcState()).toBe('CANCELED')
  const stop = report.ledger.entries.find((e: { kind: string }) => e.kind === 'stop-task')
  expect(stop).toMatchObject({ state: 'done', taskId: 'replicate_orders' })
  const projectId = report.target.projectId
  const restore = report.ledger.account.find((l: string) => l.startsWith('To restore'))
  expect(restore).toContain(
    `start again the task(s) this run stopped, which are not running now, once the import has ended: 'Replicate orders' (POST /api/v1/di-projects/${projectId}/di-tasks/replicate_orders/runtime/actions/start), or run this action again with run-tasks: replicate_orders`
  )
  expect(restore).toMatch(/wait for import action \S+ to end/)
  expect(r.summary).toMatch(
    /\| Start the stopped tasks again \| ⏭️ skipped \| .*may still be running on Qlik's side/
  )
}, 90000)

it('cancelled while the CDC task is being stopped: the stop finishes, no import is sent, the task is started again', async () => {
  const inputs = await replicationRunning()
  const { report } = await cancelledRun(inputs, (o) => o.includes("Stopping 'Replicate orders'"))
  expect(writes(report)).toEqual([
    'set-bindings:done',
    'stop-task:done',
    'import:not-sent',
    'prepare:not-sent',
    'validate:not-sent',
    'resume-task:done',
    'restore-bindings:done'
  ])
  expect(cdcState()).toBe('RUNNING')
}, 90000)

it('killed (SIGKILL) while the import runs after quiesce: the post step writes the account from the journal', async () => {
  const inputs = await replicationRunning()
  let killed = false
  const r = await runAction(inputs, {}, (out, child) => {
    if (killed || !/Import started: action/.test(out)) return
    killed = true
    child.kill('SIGKILL')
  })
  expect(r.code).toBeNull()
  expect(r.summary).toBe('')
  expect(r.state.journal).toMatch(/qlik-di-promote-journal-.*\.jsonl$/)
  const post = await runPost(r)
  expect(post.code).toBe(0)
  expect(post.stdout).toContain('::error title=The Qlik DI promotion did not finish::')
  expect(post.summary).toContain('## ⚠️ Qlik DI project: the run did not finish')
  expect(post.summary).toContain('It stopped during **Import the package**')
  expect(post.summary).toMatch(/\| stop task 'Replicate orders' \| ✅ done \|/)
  expect(post.summary).toContain('import started (action ')
  expect(post.summary).toContain('end not seen: it may still be running')
  expect(post.summary).toContain('start again the task(s) this run stopped')
  expect(post.summary).toContain('roll back to the version before this run')
  expect(post.summary).toMatch(/\| prepare .*\| ⏭️ not sent \|/)
  expect(cdcState()).toBe('CANCELED')
}, 90000)

it('cancelled during the export: nothing was changed on the target, and it says so', async () => {
  sim = await startDemo()
  sim.injectFault({ tenant: 'dev', path: '/actions/export', latencyMs: 1500, times: 1 })
  const { r, report } = await cancelledRun(promoteInputs(sim) as Record<string, string>, (o) =>
    o.includes('::group::Export the source project')
  )
  expect(report.cancelled.during).toBe('Export the source project')
  expect(report.ledger.account[0]).toMatch(
    /^Nothing was changed on the target tenant .*: no write was sent to it\.$/
  )
  expect(sim.state('prod').projects.some((p) => p.name === 'Sales pipeline')).toBe(false)
  expect(r.outputs['artifact-name']).toBe('')
}, 60000)

it('cancelled right after the create: the new, empty project is named with its id', async () => {
  sim = await startDemo()
  // the create in flight when the signal comes: it finishes, nothing after it is sent
  sim.injectFault({
    tenant: 'prod',
    method: 'POST',
    pathRegex: '^/api/v1/di-projects$',
    latencyMs: 1500,
    times: 1
  })
  const { report } = await cancelledRun(promoteInputs(sim) as Record<string, string>, (o) =>
    o.includes('::group::Create the target project')
  )
  const created = sim.state('prod').projects.find((p) => p.name === 'Sales pipeline')!
  expect(created.importCount).toBe(0)
  expect(writes(report).slice(0, 2)).toEqual(['create-project:done', 'set-bindings:not-sent'])
  expect(report.error).toContain(
    `was created by this run and is empty: it never received an import.`
  )
  expect(report.error).toContain(created.id)
}, 60000)

it('cancelled while prepare runs: the import stays, prepare named as continuing on Qlik, validate not sent', async () => {
  sim = await startDemo({ timing: SLOW })
  const { report } = await cancelledRun(promoteInputs(sim) as Record<string, string>, (o) =>
    /Prepare started: action/.test(o)
  )
  expect(report.cancelled.during).toBe('Prepare the target project')
  const byKind = Object.fromEntries(report.ledger.entries.map((e: { kind: string }) => [e.kind, e]))
  expect(byKind.import).toMatchObject({ state: 'done', result: 'COMPLETED' })
  expect(byKind.prepare).toMatchObject({ state: 'done', result: 'unknown' })
  expect(byKind.validate.state).toBe('not-sent')
  expect(report.error).toMatch(/prepare started \(action \S+\), end not seen/)
}, 90000)

it('cancelled during run-tasks: the run already started is named, no task after it is started', async () => {
  sim = await startDemo({ timing: { ...SLOW, taskRunMs: 4000 } })
  // runs go one after another: the signal comes while the first one runs (4 s)
  const { report } = await cancelledRun(
    promoteInputs(sim, { 'run-tasks': 'all' }) as Record<string, string>,
    (o) => /Started '.*' \(/.test(o)
  )
  expect(report.cancelled.during).toBe('Run the data tasks')
  const runs = report.ledger.entries.filter((e: { kind: string }) => e.kind === 'run-task')
  expect(runs[0].state).toBe('done')
  expect(runs.slice(1).every((e: { state: string }) => e.state === 'not-sent')).toBe(true)
  expect(report.ledger.account.join('\n')).toMatch(/Changed on .*: .*ran task/)
}, 90000)

it('a second signal skips the putting back and still writes the account, before SIGTERM', async () => {
  sim = await startDemo()
  const inputs = promoteInputs(sim) as Record<string, string>
  expect((await runAction(inputs)).code).toBe(0)
  sim.injectFault({ tenant: 'prod', method: 'PUT', path: '/bindings', latencyMs: 1500, times: 1 })
  const { r, report } = await cancelledRun(
    { ...inputs, bindings: PROD_BINDINGS_YAML.replace('ANALYTICS', 'ANALYTICS_V2') },
    (o) => o.includes('::group::Set the target bindings'),
    { twice: true }
  )
  expect(r.stdout).toContain('SIGINT received again: nothing more is put back')
  // the second signal does not wait for the PUT in flight either: its outcome is unknown
  expect(writes(report)).toEqual([
    'set-bindings:unknown',
    'import:not-sent',
    'prepare:not-sent',
    'validate:not-sent'
  ])
  expect(report.error).toContain('Outcome unknown: set the bindings')
  expect(report.error).toContain('roll back to the version before this run')
}, 60000)

it('a cancelled set: the project running cancels with its account, none starts after it, each project says how it ended', async () => {
  sim = await startDemo({ ...threeProjects(), timing: SLOW })
  const platform = { platformConnection: '{{id(connection, PROD_DATA.snowflake_prod)}}' }
  const file = projectsFile([
    {
      name: 'Hub',
      bindings: {
        ...platform,
        'task.landing_hub.sourceConnection': '{{id(connection, PROD_SOURCES.orders_postgres)}}'
      }
    },
    { name: 'Marts', dependsOn: ['Hub'], bindings: platform },
    { name: 'Reports', dependsOn: ['Marts'], bindings: platform }
  ])
  const inputs = setInputs(sim, file, { 'poll-interval': '0.05' })
  // Hub's import, then Marts': the signal comes while Marts' import runs
  const { r, report } = await cancelledRun(
    inputs,
    (o) => (o.match(/Import started: action/g) ?? []).length >= 2,
    { set: true }
  )
  expect(
    report.projects.map((p: { name: string; state: string }) => `${p.name}:${p.state}`)
  ).toEqual(['Hub:done', 'Marts:cancelled', 'Reports:not-started'])
  expect(report.projects[2].reason).toBe('the set was cancelled (SIGINT) before it started')
  expect(report.error.split('\n')[0]).toBe(
    "The set was cancelled (SIGINT): no project started after the signal (Hub: done, Marts: cancelled during 'Import the package', Reports: not started)."
  )
  expect(report.error).toMatch(/Marts: To restore: wait for import action \S+ to end/)
  expect(r.summary).toContain('## ⏹️ Cancelled (SIGINT): 1 of 3 project(s) done')
  expect(r.summary).toContain('| 2 | Marts | ⏹️ cancelled |')
  expect(r.summary).toContain('| 3 | Reports | ⏸️ not started |')
  expect(sim.state('prod').projects.map((p) => p.name)).toEqual(['Hub', 'Marts'])
}, 120000)

it('a write whose answer does not come within the grace period: the run stops waiting for it, says its outcome is unknown, and exits before SIGTERM', async () => {
  sim = await startDemo()
  const inputs = promoteInputs(sim) as Record<string, string>
  expect((await runAction(inputs)).code).toBe(0)
  sim.injectFault({ tenant: 'prod', method: 'PUT', path: '/bindings', latencyMs: 8000, times: 1 })
  const { report } = await cancelledRun(
    { ...inputs, bindings: PROD_BINDINGS_YAML.replace('ANALYTICS', 'ANALYTICS_V2') },
    (o) => o.includes('::group::Set the target bindings')
  )
  const set = report.ledger.entries.find((e: { kind: string }) => e.kind === 'set-bindings')
  expect(set.state).toBe('unknown')
  expect(set.error).toContain('the answer did not come within the 5 s grace period')
  expect(report.error).toContain('Outcome unknown: set the bindings')
  expect(report.error).toContain('roll back to the version before this run')
}, 60000)
