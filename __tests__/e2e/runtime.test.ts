/** After the deploy, through dist/index.js: quiesce/resume, run-tasks, trigger-tasks, data stores. */
import type { Simulator } from '../../src/simulator/server.js'
import { runAction } from '../helpers/action.js'
import { promoteInputs } from '../helpers/pipeline.js'
import { startDemo, withDownstream } from '../helpers/sim.js'

let sim: Simulator
beforeEach(async () => {
  sim = await startDemo(withDownstream())
})
afterEach(async () => {
  await sim.close()
})

const REPLICATION_BINDINGS = `
task.replicate_orders.sourceConnection: "{{id(connection, PROD_SOURCES.orders_postgres)}}"
task.replicate_orders.targetConnection: "{{id(connection, PROD_DATA.sqlserver_replica_prod)}}"
`

const inputs = (extra: Record<string, string> = {}): Record<string, string> =>
  promoteInputs(sim, extra) as Record<string, string>

const lastRunState = (project: string, taskId: string): string => {
  const t = sim
    .state('prod')
    .projects.find((p) => p.name === project)!
    .tasks.find((x) => x.id === taskId)!
  const run = t.runs.at(-1)
  if (!run) return 'none'
  if (run.stoppedAt !== undefined) return 'CANCELED'
  return run.endsAt === undefined ? 'RUNNING' : run.outcome
}

it('run-tasks all with a batch and a CDC task, a reload downstream, the catalog checked', async () => {
  const sales = await runAction(
    inputs({
      'run-tasks': 'all',
      'trigger-tasks': 'Reload sales app',
      'expect-data-stores': 'ANALYTICS.SALES'
    })
  )
  expect(sales.stderr).toBe('')
  expect(sales.code).toBe(0)
  expect(sales.summary).toContain('### Task runs')
  expect(sales.summary).toMatch(
    /\| Storage sales \| ✅ completed \| COMPLETED \| [^|]* \| [^|]* \| run \|/
  )
  expect(sales.summary).toMatch(
    /\| Reload sales app \| ✅ completed \| SUCCEEDED \| [^|]* \| [^|]* \| trigger \|/
  )
  const cdc = await runAction(
    inputs({
      'source-project': 'Orders replication',
      bindings: REPLICATION_BINDINGS,
      'run-tasks': 'all',
      'run-healthy-seconds': '1'
    })
  )
  expect(cdc.code).toBe(0)
  expect(cdc.summary).toMatch(
    /\| Replicate orders \| ▶️ started \| RUNNING \| [^|]* \| [^|]* \| run \|/
  )
  expect(lastRunState('Orders replication', 'replicate_orders')).toBe('RUNNING')
  // the next release of the replication: quiesced, deployed, started again - RUNNING at the end
  const again = await runAction(
    inputs({
      'source-project': 'Orders replication',
      bindings: REPLICATION_BINDINGS,
      quiesce: 'true'
    })
  )
  expect(again.code).toBe(0)
  expect(again.summary).toMatch(
    /\| Replicate orders \| ⏹️ stopped \| CANCELED \| [^|]* \| [^|]* \| quiesce \|/
  )
  expect(again.summary).toMatch(
    /\| Replicate orders \| ▶️ started \| RUNNING \| [^|]* \| [^|]* \| resume \|/
  )
  expect(lastRunState('Orders replication', 'replicate_orders')).toBe('RUNNING')
}, 120000)

it('a failed import still restarts the quiesced CDC task; a failing run and a failing job fail loudly', async () => {
  const first = await runAction(
    inputs({
      'source-project': 'Orders replication',
      bindings: REPLICATION_BINDINGS,
      'run-tasks': 'all',
      'run-healthy-seconds': '0'
    })
  )
  expect(first.code).toBe(0)
  sim.injectFault({
    tenant: 'prod',
    path: '/actions/import-async',
    times: 1,
    actionOutcome: { state: 'FAILED', message: 'Table ORDERS is locked' }
  })
  const failed = await runAction(
    inputs({
      'source-project': 'Orders replication',
      bindings: REPLICATION_BINDINGS,
      quiesce: 'true'
    })
  )
  expect(failed.code).not.toBe(0)
  expect(failed.summary).toContain('| Start the stopped tasks again | ✅ succeeded |')
  expect(lastRunState('Orders replication', 'replicate_orders')).toBe('RUNNING')

  sim
    .state('dev')
    .projects.find((p) => p.name === 'Sales pipeline')!
    .tasks.find((t) => t.id === 'landing_orders')!.failRun = 'Source table ORDERS does not exist'
  const deployed = await runAction(inputs())
  expect(deployed.code).toBe(0)
  sim
    .state('prod')
    .projects.find((p) => p.name === 'Sales pipeline')!
    .tasks.find((t) => t.id === 'landing_orders')!.failRun = 'Source table ORDERS does not exist'
  const run = await runAction(inputs({ 'run-tasks': 'landing_orders' }))
  expect(run.code).not.toBe(0)
  expect(run.summary).toContain(
    "Task 'Landing orders' (landing_orders) failed: Source table ORDERS does not exist"
  )
  expect(run.summary).toMatch(
    /\| Landing orders \| ❌ failed \| FAILED \| [^|]* \| [^|]* \| run \|/
  )

  const job = await runAction(inputs({ 'trigger-tasks': 'Reload finance app' }))
  expect(job.code).not.toBe(0)
  expect(job.stdout).toMatch(/::error.*Task 'Reload finance app' \([^)]+\) run \w+ ended FAILED/)

  const stores = await runAction(inputs({ 'expect-data-stores': 'ANALYTICS.SALE' }))
  expect(stores.code).not.toBe(0)
  expect(stores.summary).toContain("'ANALYTICS.SALE' (similar: 'ANALYTICS.SALES')")
}, 120000)
