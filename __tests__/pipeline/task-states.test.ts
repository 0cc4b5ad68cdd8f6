import { BudgetRegistry, PER_MINUTE } from '../../src/qlik/budget.js'
import { realClock } from '../../src/pipeline/ports.js'
import type { Simulator } from '../../src/simulator/server.js'
import { runPromote } from '../helpers/pipeline.js'
import { startDemo, withTenant } from '../helpers/sim.js'

/**
 * The check before the first write on an existing target with many tasks: runtime states are read
 * side by side within the tenant's runtime-state budget, never into a 429, and a wait for the
 * budget is said; with quiesce and prepare off they are not read at all.
 */

const TASKS = 150
const big = (space: string, connection: string) => ({
  name: 'Big',
  space,
  type: 'DATA_PIPELINE',
  platformType: 'SNOWFLAKE',
  platformConnection: connection,
  tasks: Array.from({ length: TASKS }, (_, i) => ({
    id: `storage_${i}`,
    name: `Storage ${i}`,
    type: 'STORAGE'
  }))
})

// a 4 s window admitting 60 runtime-state reads (900/min), on both sides
const WINDOW_S = 4
const PER_MIN = 900

let sim: Simulator
beforeEach(async () => {
  const dev = withTenant('dev', (t) => ({
    projects: [...(t.projects as object[]), big('DEV_PIPELINES', 'DEV_DATA.snowflake_dev')]
  })).tenants!
  const prod = withTenant('prod', (t) => ({
    projects: [
      ...((t.projects as object[]) ?? []),
      big('PROD_PIPELINES', 'PROD_DATA.snowflake_prod')
    ]
  })).tenants!
  sim = await startDemo({
    tenants: dev.map((t) => (t.name === 'prod' ? prod.find((p) => p.name === 'prod')! : t)),
    rateLimits: { windowSeconds: WINDOW_S, runtimeStatePerMinute: PER_MIN }
  })
})
afterEach(async () => {
  await sim.close()
})

const inputs = {
  'source-project': 'Big',
  bindings: JSON.stringify({ platformConnection: '{{id(connection, PROD_DATA.snowflake_prod)}}' }),
  'dry-run': 'true'
}
const stateReads = () =>
  sim.requests({ tenant: 'prod' }).filter((r) => r.path.endsWith('/runtime/state'))

describe('runtime states of an existing target with many tasks', () => {
  it('quiesce reads them all within the budget: no 429, the wait said', async () => {
    const budgets = new BudgetRegistry(
      realClock,
      (m) => log.push(m),
      { ...PER_MINUTE, runtimeState: PER_MIN },
      WINDOW_S * 1000
    )
    const log: string[] = []
    const { report } = await runPromote(
      sim,
      { ...inputs, quiesce: 'true' },
      {},
      undefined,
      () => {},
      budgets
    )
    expect(report.error).toBeUndefined()
    expect(stateReads()).toHaveLength(TASKS)
    expect(sim.requests().filter((r) => r.status === 429)).toEqual([])
    expect(
      log.some((m) =>
        /waiting \d+ s before more requests: this run has sent the 60 task runtime state requests/.test(
          m
        )
      )
    ).toBe(true)
    expect(report.guards?.find((g) => g.check === 'Running tasks on the target')).toMatchObject({
      status: 'passed',
      detail: 'none is running'
    })
  })

  it('prepare alone reads what the budget allows now and says what it did not read', async () => {
    const budgets = new BudgetRegistry(
      realClock,
      () => {},
      { ...PER_MINUTE, runtimeState: PER_MIN },
      WINDOW_S * 1000
    )
    const t0 = Date.now()
    const { report } = await runPromote(sim, inputs, {}, undefined, () => {}, budgets)
    expect(report.error).toBeUndefined()
    expect(stateReads()).toHaveLength(60)
    // no wait for the next window
    expect(Date.now() - t0).toBeLessThan(WINDOW_S * 1000)
    expect(report.guards?.find((g) => g.check === 'Running tasks on the target')).toMatchObject({
      status: 'warning',
      detail: expect.stringContaining(
        'none of the 60 task(s) read is running (continuous ones first); 90 more were not read: Qlik allows 60 runtime-state reads per 4 s'
      )
    })
  })

  it('are not read when quiesce and prepare are off', async () => {
    const { report } = await runPromote(sim, { ...inputs, prepare: 'false', validate: 'false' })
    expect(report.error).toBeUndefined()
    expect(stateReads()).toEqual([])
    expect(report.guards?.find((g) => g.check === 'Running tasks on the target')?.detail).toBe(
      'not read: quiesce and prepare are off, so running tasks neither stop nor block'
    )
  })
})
