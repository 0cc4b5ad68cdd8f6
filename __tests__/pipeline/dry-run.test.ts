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

const targetWrites = () => sim.requests({ tenant: 'prod' }).filter((r) => r.method !== 'GET')

describe('dry run', () => {
  it('plans the creation with reads only on the target: zero POST/PUT/DELETE', async () => {
    const { report, log } = await runPromote(sim, { 'dry-run': 'true' })
    expect(report.error).toBeUndefined()
    expect(targetWrites()).toEqual([])
    expect(sim.state('prod').projects).toEqual([])
    expect(report.plan).toMatchObject({ project: 'create', canApply: true, problems: [] })
    expect(report.plan?.bindings.added).toContain('platformConnection')
    expect(report.plan?.steps[0]).toBe('Create project Sales pipeline in PROD_PIPELINES')
    expect(report.plan?.connections.every((c) => c.status === 'unknown')).toBe(true)
    expect(log.text()).toContain('Would run 4. Import the package (import-async)')
    // the pre-flight ran on the source tenant
    expect(
      sim.requests({ tenant: 'dev' }).some((r) => r.path.endsWith('validate-project-definitions'))
    ).toBe(true)
    expect(renderSummary(report)).toContain('### Plan (dry run: nothing was changed)')
  })

  it('diffs the bindings against the target: changed, unchanged, and resolved connections', async () => {
    expect((await runPromote(sim)).report.outcome).toBe('succeeded')
    sim.clearRequests()
    const { report } = await runPromote(sim, {
      'dry-run': 'true',
      bindings: PROD_BINDINGS_YAML.replace(
        'task-type.storage.databaseName: ANALYTICS',
        'task-type.storage.databaseName: ANALYTICS_V2'
      )
    })
    expect(report.error).toBeUndefined()
    expect(targetWrites()).toEqual([])
    expect(report.plan?.project).toBe('reuse')
    expect(report.plan?.bindings.changed).toEqual(['task-type.storage.databaseName'])
    expect(report.plan?.bindings.unchanged).toContain('platformConnection')
    expect(report.plan?.bindings.added).toEqual([])
    expect(report.plan?.connections.find((c) => c.variable === 'platformConnection')?.status).toBe(
      'resolved'
    )
  })

  it('exits failed when the plan would fail, saying why, still without writes', async () => {
    const { report } = await runPromote(sim, {
      'dry-run': 'true',
      bindings: PROD_BINDINGS_YAML.replace('PROD_DATA.snowflake_prod', 'PRD_DATA.snowflake_prod')
    })
    expect(report.outcome).toBe('failed')
    expect(report.plan?.canApply).toBe(false)
    expect(report.error).toContain(
      'Dry run: the promotion would fail. platformConnection = {{id(connection, PRD_DATA.snowflake_prod)}} names a space that does not exist'
    )
    expect(targetWrites()).toEqual([])
    // every check made from reads is in the plan, the failed ones first among its problems
    expect(report.plan?.guards.map((g) => `${g.check}: ${g.status}`)).toEqual([
      'project type and platform: passed',
      'bindings: every declared variable has a value: passed',
      'bindings: no undeclared variable: passed',
      'connections: failed'
    ])
    expect(renderSummary(report)).toContain('| connections | ❌ failed |')
    const missing = await runPromote(sim, { 'dry-run': 'true', bindings: 'platformConnection: x' })
    expect(missing.report.plan?.problems.join(' ')).toContain(
      'with no value for the target project'
    )
    expect(missing.report.outcome).toBe('failed')
    expect(targetWrites()).toEqual([])
  })
})
