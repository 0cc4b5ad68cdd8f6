/**
 * The promise: a promotion lands completely or fails loudly, saying exactly what changed on the
 * target, what did not, and how to get back. Each case drives the pipeline into a fault with the
 * simulator's controls and checks the message, the ledger, and the target's state afterwards.
 */
import type { Simulator } from '../../src/simulator/server.js'
import { renderSummary } from '../../src/report/summary.js'
import { PROD_BINDINGS_YAML, runPromote } from '../helpers/pipeline.js'
import { startDemo } from '../helpers/sim.js'

let sim: Simulator
beforeEach(async () => {
  sim = await startDemo()
})
afterEach(async () => {
  await sim.close()
})

const prodHost = (): string => new URL(sim.tenantInfo('prod').url).host
const prodSales = () => sim.state('prod').projects.filter((p) => p.name === 'Sales pipeline')
const writesTo = (tenant: string, suffix: string) =>
  sim.requests({ tenant }).filter((r) => r.method !== 'GET' && r.path.endsWith(suffix))
const V2 = PROD_BINDINGS_YAML.replace('ANALYTICS', 'ANALYTICS_V2').replace(
  'project.current.prefixSchema: null',
  'project.current.prefixSchema: V2_'
)

/** v1 lands; answers a snapshot of the target to compare with later. */
async function landV1() {
  const v1 = await runPromote(sim)
  expect(v1.report.outcome).toBe('succeeded')
  sim.clearRequests()
  const p = prodSales()[0]!
  return { id: p.id, bindings: { ...p.bindings }, imports: p.importCount }
}

describe('the ledger and compensation', () => {
  it('puts the previous bindings back when the import ends FAILED, and says the target ends as it was', async () => {
    const before = await landV1()
    sim.injectFault({
      tenant: 'prod',
      path: '/actions/import-async',
      actionOutcome: { state: 'FAILED', message: 'Table ORDERS is locked' },
      times: 1
    })
    const { report } = await runPromote(sim, { bindings: V2 })
    expect(report.outcome).toBe('failed')
    const p = prodSales()[0]!
    expect(p.bindings).toEqual(before.bindings)
    expect(p.importCount).toBe(before.imports)
    expect(report.ledger.entries.map((e) => `${e.kind}:${e.state}:${e.result ?? ''}`)).toEqual([
      'set-bindings:done:',
      'import:done:FAILED',
      'prepare:not-sent:',
      'validate:not-sent:',
      'restore-bindings:done:'
    ])
    const error = report.error!
    expect(error).toContain('Import ended FAILED')
    expect(error).toContain('Table ORDERS is locked')
    expect(error).toContain(
      `Changed on the target tenant ${prodHost()}: bindings set: 2 changed (project.current.prefixSchema, task-type.storage.databaseName); import started (action ${report.actions.import!.actionId}) and ended FAILED; bindings put back as they were before this run: 2 reverted`
    )
    expect(error).toContain('Not changed: prepare (not sent), validate (not sent).')
    expect(error).toContain(
      'The target project ends as it was before this run: its bindings were put back and no import was applied.'
    )
    expect(error).toContain('To restore: nothing to do')
    expect(error).not.toMatch(/was not changed by the failed import/)
    expect(report.steps.at(-1)).toMatchObject({
      name: "Put the target's bindings back",
      state: 'succeeded'
    })
    const summary = renderSummary(report)
    expect(summary).toContain('### Changes on the target')
    expect(summary).toMatch(/\| set 7 binding variable\(s\) on Sales pipeline \| ✅ done \|/)
    expect(summary).toMatch(/\| prepare \| ⏭️ not sent \|/)

    // once the cause is gone, the same run converges: one project, the new bindings, imported
    const again = await runPromote(sim, { bindings: V2 })
    expect(again.report.outcome).toBe('succeeded')
    expect(prodSales()).toHaveLength(1)
    expect(prodSales()[0]!.bindings['task-type.storage.databaseName']).toBe('ANALYTICS_V2')
  })

  it('keeps the new bindings with on-failure: keep, and says how to put them back', async () => {
    const before = await landV1()
    sim.injectFault({
      tenant: 'prod',
      path: '/actions/import-async',
      actionOutcome: { state: 'CANCELED' },
      times: 1
    })
    const { report } = await runPromote(sim, { bindings: V2, 'on-failure': 'keep' })
    expect(report.outcome).toBe('failed')
    expect(prodSales()[0]!.bindings).not.toEqual(before.bindings)
    expect(prodSales()[0]!.bindings['task-type.storage.databaseName']).toBe('ANALYTICS_V2')
    expect(report.ledger.entries.find((e) => e.kind === 'restore-bindings')).toBeUndefined()
    expect(report.error).toContain('import started')
    expect(report.error).toContain('and ended CANCELED')
    expect(report.error).toContain('the new bindings were kept on purpose (on-failure: keep)')
    expect(report.error).toContain(`artifact-name: ${report.backup!.name}`)
  })

  it('puts the bindings back when import-async stays 409 Conflict past timeout (refused: nothing imported)', async () => {
    const before = await landV1()
    sim.injectFault({ tenant: 'prod', path: '/actions/import-async', status: 409, times: 1000 })
    const { report, log } = await runPromote(sim, { bindings: V2, timeout: '1' })
    expect(report.outcome).toBe('failed')
    expect(report.ledger.entries.find((e) => e.kind === 'import')?.state).toBe('refused')
    expect(report.error).toContain('stayed busy for 1 s')
    expect(report.error).toContain("Wait for it to end and run again, or raise 'timeout'.")
    expect(report.error).toContain('Not changed: import (refused by the server)')
    expect(log.text()).toContain('warning: Import: the target project')
    expect(log.text()).toContain('Waiting for it to end, up to 1 s')
    expect(prodSales()[0]!.bindings).toEqual(before.bindings)
  })

  it('a re-run converges: a 409 from an action still running is waited on, then the import is sent again', async () => {
    await landV1()
    sim.injectFault({ tenant: 'prod', path: '/actions/import-async', status: 409, times: 2 })
    const { report, log } = await runPromote(sim, { bindings: V2 })
    expect(report.outcome).toBe('succeeded')
    const imp = report.ledger.entries.find((e) => e.kind === 'import')
    expect(imp).toMatchObject({ state: 'done', result: 'COMPLETED' })
    expect(imp?.error).toBeUndefined()
    expect(log.text()).toContain('is busy: Qlik answered 409 Conflict')
    expect(log.text()).toMatch(/Import started: action \S+ \(after waiting [\d.]+ s/)
    expect(prodSales()[0]!.bindings['task-type.storage.databaseName']).toBe('ANALYTICS_V2')
  })

  it('reports a project created by this run that never received an import as empty, with its id', async () => {
    sim.injectFault({
      tenant: 'prod',
      path: '/actions/import-async',
      actionOutcome: { state: 'FAILED', message: 'Broken package' },
      times: 1
    })
    const { report } = await runPromote(sim)
    expect(report.outcome).toBe('failed')
    const id = report.target!.projectId!
    expect(report.error).toContain(
      `created project 'Sales pipeline' in space PROD_PIPELINES (${id})`
    )
    expect(report.error).toContain(
      `Project 'Sales pipeline' in space PROD_PIPELINES (${id}) was created by this run and is empty: it never received an import.`
    )
    expect(report.error).toContain('running again reuses it')
    // no compensation on a new project: it had no bindings of its own to go back to
    expect(report.ledger.entries.find((e) => e.kind === 'restore-bindings')).toBeUndefined()
    const again = await runPromote(sim)
    expect(again.report.outcome).toBe('succeeded')
    expect(again.report.target?.projectId).toBe(id)
    expect(prodSales()).toHaveLength(1)
  })

  it('does not put bindings back when the import completed and prepare failed: it points to the backup', async () => {
    await landV1()
    sim.injectFault({
      tenant: 'prod',
      path: '/actions/prepare',
      actionOutcome: { state: 'FAILED', message: 'Gateway gw-7 is offline' },
      times: 1
    })
    const { report } = await runPromote(sim, { bindings: V2 })
    expect(report.outcome).toBe('failed')
    expect(report.ledger.entries.find((e) => e.kind === 'restore-bindings')).toBeUndefined()
    expect(prodSales()[0]!.bindings['task-type.storage.databaseName']).toBe('ANALYTICS_V2')
    expect(report.error).toContain('import started')
    expect(report.error).toContain('and ended COMPLETED; prepare started')
    expect(report.error).toContain('Not changed: validate (not sent).')
    expect(report.error).toContain(
      `To restore: roll back to the version before this run: run this action with mode: deploy, artifact-name: ${report.backup!.name}`
    )
  })
})

describe('outcome unknown and watching', () => {
  it('rides out a 500 on a status poll and a truncated status answer', async () => {
    sim.injectFault({
      tenant: 'prod',
      method: 'GET',
      path: '/di-projects/actions/',
      status: 500,
      times: 1
    })
    sim.injectFault({
      tenant: 'prod',
      method: 'GET',
      path: '/di-projects/actions/',
      truncate: true,
      times: 1
    })
    const { report } = await runPromote(sim)
    expect(report.error).toBeUndefined()
    expect(report.actions.import?.state).toBe('COMPLETED')
  })

  it('says the import was started, its action id, and that it may still be running when its status cannot be read', async () => {
    const before = await landV1()
    sim.injectFault({ tenant: 'prod', method: 'GET', path: '/di-projects/actions/', status: 500 })
    const { report } = await runPromote(sim, { bindings: V2 })
    expect(report.outcome).toBe('failed')
    const imp = report.ledger.entries.find((e) => e.kind === 'import')!
    expect(imp).toMatchObject({ state: 'done', result: 'unknown' })
    expect(report.error).toContain(
      `Import was started on the target tenant ${prodHost()} (action ${imp.actionId}), but its status could not be read`
    )
    expect(report.error).toContain('It may still be running')
    expect(report.error).toContain(
      `import started (action ${imp.actionId}), end not seen: it may still be running`
    )
    expect(report.error).toContain(`wait for import action ${imp.actionId} to end`)
    // the import may be applying the new bindings: they are not swapped under it
    expect(report.ledger.entries.find((e) => e.kind === 'restore-bindings')).toBeUndefined()
    // the import really did finish on the server: the ledger did not claim otherwise
    await new Promise((r) => setTimeout(r, 300))
    expect(prodSales()[0]!.importCount).toBe(before.imports + 1)
  })

  it('never sends import-async twice after its answer was lost, and says the import may have started', async () => {
    await landV1()
    sim.injectFault({ tenant: 'prod', path: '/actions/import-async', reset: true, times: 1 })
    const { report } = await runPromote(sim, { bindings: V2 })
    expect(report.outcome).toBe('failed')
    expect(writesTo('prod', '/actions/import-async')).toHaveLength(1)
    expect(report.ledger.entries.find((e) => e.kind === 'import')?.state).toBe('unknown')
    expect(report.error).toContain('the answer to the request that starts it was lost')
    expect(report.error).toContain('Outcome unknown: import (the answer was lost')
    expect(report.error).toContain('an import may be running')
    expect(report.ledger.entries.find((e) => e.kind === 'restore-bindings')).toBeUndefined()
  })

  it('exports a corrupt backup again, and names tenant and endpoint when it stays corrupt', async () => {
    await landV1()
    sim.injectFault({ tenant: 'prod', path: '/actions/export', truncate: true, times: 1 })
    const once = await runPromote(sim)
    expect(once.report.outcome).toBe('succeeded')
    expect(once.log.text()).toContain('The exported package is not valid')
    sim.clearRequests()
    sim.injectFault({ tenant: 'prod', path: '/actions/export', truncate: true, times: 2 })
    const twice = await runPromote(sim)
    expect(twice.report.outcome).toBe('failed')
    expect(twice.report.failedStep).toBe('Back up the target project')
    expect(twice.report.error).toMatch(
      new RegExp(
        `from the target tenant ${prodHost()} \\(POST /api/v1/di-projects/[^/]+/actions/export, mode ALL\\) is not a valid package twice in a row`
      )
    )
    expect(twice.report.error).toContain(`Nothing was changed on the target tenant ${prodHost()}`)
    expect(writesTo('prod', '/bindings')).toEqual([])
  })
})

describe('guards before the first write', () => {
  it('refuses an existing target of another platform before the export, changing nothing', async () => {
    const before = await landV1()
    prodSales()[0]!.platformType = 'BIGQUERY'
    const { report } = await runPromote(sim, { bindings: V2 })
    expect(report.outcome).toBe('failed')
    expect(report.failedStep).toBe('Find the target project')
    expect(report.error).toContain(
      `project platform: the package is for platform SNOWFLAKE, but the target project 'Sales pipeline' (${before.id}) on ${prodHost()} is BIGQUERY`
    )
    expect(report.error).toContain(`Nothing was changed on the target tenant ${prodHost()}`)
    expect(writesTo('dev', '/actions/export')).toEqual([])
    expect(sim.requests({ tenant: 'prod' }).filter((r) => r.method !== 'GET')).toEqual([])
    expect(prodSales()[0]!.bindings).toEqual(before.bindings)
  })

  it('refuses a deploy whose package type differs from the existing target, from reads only', async () => {
    const exp = await runPromote(sim, { mode: 'export' })
    await landV1()
    prodSales()[0]!.type = 'DATA_MOVEMENT'
    const { report } = await runPromote(sim, {
      mode: 'deploy',
      'zip-path': exp.report.package!.path
    })
    expect(report.outcome).toBe('failed')
    expect(report.failedStep).toBe('Check before changing the target')
    expect(report.error).toContain('project type: the package is a DATA_PIPELINE')
    expect(sim.requests({ tenant: 'prod' }).filter((r) => r.method !== 'GET')).toEqual([])
  })

  it('finds a mistyped target-space before the export and the artifact upload', async () => {
    const { report } = await runPromote(sim, { 'target-space': 'PROD_PIPELNES' })
    expect(report.outcome).toBe('failed')
    expect(report.failedStep).toBe('Find the target space')
    expect(report.error).toContain("Input 'target-space': no space with id or name 'PROD_PIPELNES'")
    expect(report.error).toMatch(/Spaces with similar names: .*'PROD_PIPELINES'/)
    expect(writesTo('dev', '/actions/export')).toEqual([])
    expect(report.artifact).toBeUndefined()
  })

  it('refuses a connection in a space the target does not have before any write, listing every failed check', async () => {
    const before = await landV1()
    const bad = `${V2.replace('PROD_DATA.snowflake_prod', 'PRD_DATA.snowflake_prod')}\nplatformConection: typo\n`
    const { report } = await runPromote(sim, { bindings: bad })
    expect(report.outcome).toBe('failed')
    expect(report.failedStep).toBe('Check before changing the target')
    expect(report.error).toContain('2 checks failed')
    expect(report.error).toContain("there is no space 'PRD_DATA'")
    expect(report.error).toContain("similar spaces: 'PROD_DATA'")
    expect(report.error).toContain('platformConection')
    expect(sim.requests({ tenant: 'prod' }).filter((r) => r.method !== 'GET')).toEqual([])
    expect(prodSales()[0]!.bindings).toEqual(before.bindings)
    expect(report.guards?.find((g) => g.check === 'connections')?.status).toBe('failed')
  })

  it('puts the bindings back when a connection does not resolve once set (data connections unreadable)', async () => {
    const before = await landV1()
    const prod = sim.state('prod')
    prod.connections = prod.connections.filter((c) => c.name !== 'crm_mysql')
    // the credential may not read data connections: the lookup says unknown, the read-back catches it
    sim.injectFault({ tenant: 'prod', path: '/api/v1/data-connections', status: 403 })
    const { report } = await runPromote(sim, { bindings: V2 })
    expect(report.outcome).toBe('failed')
    expect(report.failedStep).toBe('Check the connections')
    expect(prodSales()[0]!.bindings).toEqual(before.bindings)
    expect(report.error).toContain('Not changed: import (not sent)')
    expect(report.error).toContain('The target project ends as it was before this run')
  })
})
