import type { Simulator } from '../../src/simulator/server.js'
import { renderSummary } from '../../src/report/summary.js'
import { runPromote } from '../helpers/pipeline.js'
import { startDemo, withDownstream } from '../helpers/sim.js'

/** The demo's continuous replication project, promoted to prod. */
const REPLICATION = {
  'source-project': 'Orders replication',
  bindings: `
task.replicate_orders.sourceConnection: "{{id(connection, PROD_SOURCES.orders_postgres)}}"
task.replicate_orders.targetConnection: "{{id(connection, PROD_DATA.sqlserver_replica_prod)}}"
`,
  'run-healthy-seconds': '1'
}

let sim: Simulator
afterEach(async () => {
  await sim.close()
})

const prodTask = (project: string, id: string) =>
  sim
    .state('prod')
    .projects.find((p) => p.name === project)!
    .tasks.find((t) => t.id === id)!

async function startOnProd(project: string, taskId: string): Promise<void> {
  const prod = sim.tenantInfo('prod')
  const p = sim.state('prod').projects.find((x) => x.name === project)!
  const r = await fetch(
    `${prod.url}/api/v1/di-projects/${p.id}/di-tasks/${taskId}/runtime/actions/start`,
    { method: 'POST', headers: { authorization: `Bearer ${prod.apiKey}` } }
  )
  expect(r.status).toBe(204)
}

const runState = async (project: string, taskId: string): Promise<string> => {
  const prod = sim.tenantInfo('prod')
  const p = sim.state('prod').projects.find((x) => x.name === project)!
  const r = await fetch(`${prod.url}/api/v1/di-projects/${p.id}/di-tasks/${taskId}/runtime/state`, {
    headers: { authorization: `Bearer ${prod.apiKey}` }
  })
  return ((await r.json()) as { lastRun?: { state: string } }).lastRun?.state ?? 'none'
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('quiesce and resume around a deploy', () => {
  beforeEach(async () => {
    sim = await startDemo()
    expect((await runPromote(sim, REPLICATION)).report.error).toBeUndefined()
    await startOnProd('Orders replication', 'replicate_orders')
    await sleep(100)
    expect(await runState('Orders replication', 'replicate_orders')).toBe('RUNNING')
  })

  it('refuses before any change when a task runs and quiesce is off', async () => {
    sim.clearRequests()
    const { report } = await runPromote(sim, { ...REPLICATION, quiesce: 'false' })
    expect(report.outcome).toBe('failed')
    expect(report.error).toContain(
      "1 task(s) are running on the target ('Replicate orders') and prepare cannot change a running task; set quiesce: true"
    )
    expect(report.error).toContain('no write was sent to it')
    expect(await runState('Orders replication', 'replicate_orders')).toBe('RUNNING')
  })

  it('stops the running CDC task, deploys, and starts exactly it again: RUNNING at the end', async () => {
    const { report } = await runPromote(sim, { ...REPLICATION, quiesce: 'true' })
    expect(report.error).toBeUndefined()
    const names = report.steps.map((s) => s.name)
    expect(names.indexOf('Stop the running tasks (quiesce)')).toBeLessThan(
      names.indexOf('Import the package')
    )
    expect(names.indexOf('Start the stopped tasks again')).toBeGreaterThan(
      names.indexOf('Validate the target project')
    )
    expect(report.ledger.entries.filter((e) => e.taskId).map((e) => [e.kind, e.state])).toEqual([
      ['stop-task', 'done'],
      ['resume-task', 'done']
    ])
    expect(report.runs.map((r) => [r.why, r.event, r.state])).toEqual([
      ['quiesce', 'stopped', 'CANCELED'],
      ['resume', 'started', 'RUNNING']
    ])
    expect(await runState('Orders replication', 'replicate_orders')).toBe('RUNNING')
    expect(report.ledger.account[0]).toContain("stopped task 'Replicate orders' (it was running)")
    expect(report.ledger.account[0]).toContain("started task 'Replicate orders' again (RUNNING)")
  })

  it('a failed import still starts the stopped task again, and the account says so', async () => {
    sim.injectFault({
      tenant: 'prod',
      path: '/actions/import-async',
      actionOutcome: { state: 'FAILED', message: 'Table ORDERS is locked' }
    })
    const { report } = await runPromote(sim, { ...REPLICATION, quiesce: 'true' })
    expect(report.outcome).toBe('failed')
    expect(report.failedStep).toBe('Import the package')
    expect(report.steps.find((s) => s.name === 'Start the stopped tasks again')?.state).toBe(
      'succeeded'
    )
    expect(await runState('Orders replication', 'replicate_orders')).toBe('RUNNING')
    expect(report.error).toContain("started task 'Replicate orders' again")
    expect(report.error).not.toContain('start again the task(s) this run stopped')
  })

  it('an import that outlasts timeout: the stopped task is not started while it may run, and the account says how to start it', async () => {
    sim.injectFault({ tenant: 'prod', path: '/actions/import-async', neverFinish: true, times: 1 })
    const { report } = await runPromote(sim, { ...REPLICATION, quiesce: 'true', timeout: '1' })
    expect(report.outcome).toBe('failed')
    expect(report.failedStep).toBe('Import the package')
    const resume = report.steps.find((s) => s.name === 'Start the stopped tasks again')
    expect(resume?.state).toBe('skipped')
    expect(resume?.detail).toMatch(/^the import action \S+ may still be running on Qlik's side/)
    // no start was sent into Qlik's 409
    expect(report.ledger.entries.find((e) => e.kind === 'resume-task')?.state).toBe('not-sent')
    expect(await runState('Orders replication', 'replicate_orders')).toBe('CANCELED')
    const p = sim.state('prod').projects.find((x) => x.name === 'Orders replication')!
    expect(report.error).toContain(
      `start again the task(s) this run stopped, which are not running now, once the import has ended: 'Replicate orders' (POST /api/v1/di-projects/${p.id}/di-tasks/replicate_orders/runtime/actions/start), or run this action again with run-tasks: replicate_orders`
    )
  })
})

describe('run-tasks, trigger-tasks, expect-data-stores', () => {
  beforeEach(async () => {
    sim = await startDemo(withDownstream())
  })

  it('runs every task in order (landing, storage, mart), triggers the reload, finds the data stores', async () => {
    const { report } = await runPromote(sim, {
      'run-tasks': 'all',
      'trigger-tasks': 'Reload sales app',
      'expect-data-stores': 'ANALYTICS.SALES'
    })
    expect(report.error).toBeUndefined()
    expect(report.runs.filter((r) => r.why === 'run').map((r) => [r.taskId, r.event])).toEqual([
      // within a stage, in the package's order: its task folders by name (no task order in it)
      ['landing_crm', 'completed'],
      ['landing_orders', 'completed'],
      ['storage_sales', 'completed'],
      ['mart_sales', 'completed']
    ])
    expect(report.runs.find((r) => r.why === 'trigger')).toMatchObject({
      name: 'Reload sales app',
      state: 'SUCCEEDED'
    })
    expect(report.dataStores).toEqual({
      expected: ['ANALYTICS.SALES'],
      found: ['ANALYTICS.SALES'],
      missing: []
    })
    expect(renderSummary(report)).toContain('### Task runs')
  })

  it('a CDC task is healthy when it stays RUNNING', async () => {
    const { report } = await runPromote(sim, { ...REPLICATION, 'run-tasks': 'replicate_orders' })
    expect(report.error).toBeUndefined()
    expect(report.runs).toEqual([
      expect.objectContaining({ why: 'run', event: 'started', state: 'RUNNING' })
    ])
    expect(prodTask('Orders replication', 'replicate_orders').runs).toHaveLength(1)
  })

  it('a failing task run ends the run with the task’s own words', async () => {
    const { report } = await runPromote(sim, { 'run-tasks': 'Landing orders' })
    expect(report.error).toBeUndefined()
    prodTask('Sales pipeline', 'landing_orders').failRun = 'Source table ORDERS does not exist'
    const failed = await runPromote(sim, { 'run-tasks': 'Landing orders' })
    expect(failed.report.outcome).toBe('failed')
    expect(failed.report.error).toContain(
      "Task 'Landing orders' (landing_orders) failed: Source table ORDERS does not exist"
    )
    expect(failed.report.error).toContain('Recent runs:')
    expect(renderSummary(failed.report)).toContain('| Landing orders |')
  })

  it('refuses unknown task names before any change', async () => {
    const { report } = await runPromote(sim, {
      'run-tasks': 'Landing orders, Nope',
      'trigger-tasks': 'Reload nothing'
    })
    expect(report.outcome).toBe('failed')
    expect(report.error).toContain("(Tasks named in run-tasks) not in the package: 'Nope'")
    expect(report.error).toContain("not found in the target tenant's Tasks API: 'Reload nothing'")
    expect(report.error).toContain('no write was sent to it')
    expect(sim.state('prod').projects).toEqual([])
  })

  it('a downstream job that fails brings its log; a missing data store lists look-alikes', async () => {
    const job = await runPromote(sim, { 'trigger-tasks': 'Reload finance app' })
    expect(job.report.outcome).toBe('failed')
    expect(job.report.error).toMatch(
      /Task 'Reload finance app' \([^)]+\) run \w+ ended FAILED\. Its log ends: .*Task Reload finance app started/
    )
    const stores = await runPromote(sim, {
      'expect-data-stores': 'ANALYTICS.SALE, ANALYTICS.CUSTOMERS'
    })
    expect(stores.report.outcome).toBe('failed')
    expect(stores.report.error).toContain("'ANALYTICS.SALE' (similar: 'ANALYTICS.SALES')")
    expect(stores.report.dataStores?.found).toEqual(['ANALYTICS.CUSTOMERS'])
  })
})
