import { readFileSync } from 'node:fs'
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

// export is a POST that changes nothing: the plan exports the target to compare with it
const targetWrites = () =>
  sim
    .requests({ tenant: 'prod' })
    .filter((r) => r.method !== 'GET' && !r.path.endsWith('/actions/export'))

describe('dry run', () => {
  it('never shows a value from the environment in the plan, only its name', async () => {
    expect((await runPromote(sim)).report.outcome).toBe('succeeded')
    const { report } = await runPromote(
      sim,
      {
        'dry-run': 'true',
        bindings: PROD_BINDINGS_YAML.replace(
          'task-type.storage.databaseName: ANALYTICS',
          'task-type.storage.databaseName: ${PROD_DATABASE}'
        )
      },
      { PROD_DATABASE: 'SECRET_DB_NAME' }
    )
    expect(report.plan?.bindings.changed).toEqual(['task-type.storage.databaseName'])
    expect(report.plan?.values ?? []).toEqual([])
    expect(JSON.stringify(report)).not.toContain('SECRET_DB_NAME')
  })

  it('plans the creation with reads only on the target: zero POST/PUT/DELETE', async () => {
    const { report, log } = await runPromote(sim, { 'dry-run': 'true' })
    expect(report.error).toBeUndefined()
    expect(targetWrites()).toEqual([])
    expect(sim.state('prod').projects).toEqual([])
    expect(report.plan).toMatchObject({ project: 'create', canApply: true, problems: [] })
    expect(report.plan?.bindings.added).toContain('platformConnection')
    expect(report.plan?.steps[0]).toBe('Create project Sales pipeline in PROD_PIPELINES')
    expect(report.plan?.connections.every((c) => c.status === 'resolved')).toBe(true)
    expect(log.text()).toContain('Would run 4. Import the package (import-async)')
    // the pre-flight ran on the source tenant
    expect(
      sim.requests({ tenant: 'dev' }).some((r) => r.path.endsWith('validate-project-definitions'))
    ).toBe(true)
    // the summary leads with the plan's verdict and holds the plan itself, without a second title
    const summary = renderSummary(report)
    expect(summary.split('\n')[0]).toMatch(
      /^## ✅ Plan: the promotion can be applied · Sales pipeline → /
    )
    expect(summary).toContain('0 task(s) changed, 4 added')
    expect(summary).not.toContain('Release plan:')
    expect(report.plan?.changes).toMatchObject({
      targetExists: false,
      tasks: { added: expect.arrayContaining([expect.objectContaining({ id: 'landing_orders' })]) }
    })
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
    // a value a reviewer may read: old → new in the plan
    expect(report.plan?.values).toEqual([
      { name: 'task-type.storage.databaseName', from: 'ANALYTICS', to: 'ANALYTICS_V2' }
    ])
    expect(renderSummary(report)).toContain(
      '- Changed: `task-type.storage.databaseName` (`"ANALYTICS"` → `"ANALYTICS_V2"`)'
    )
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
      "Dry run: the promotion would fail. platformConnection = {{id(connection, PRD_DATA.snowflake_prod)}}: there is no space 'PRD_DATA'"
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

  it('shows a reviewer what the release changes: tasks added, changed (settings, datasets), on the target only', async () => {
    expect((await runPromote(sim)).report.outcome).toBe('succeeded')
    // the next release in dev: a setting changed, a dataset added, a task gone, a task new
    const dev = sim.state('dev').projects.find((p) => p.name === 'Sales pipeline')!
    const storage = dev.tasks.find((t) => t.id === 'storage_sales')!
    storage.settings = {
      ...storage.settings,
      taskRuntime: { tableUpdateConcurrency: 4, warehouseSelection: {} }
    }
    dev.tasks.find((t) => t.id === 'landing_orders')!.datasets.push('returns')
    const mart = dev.tasks.find((t) => t.id === 'mart_sales')!
    dev.tasks = dev.tasks.filter((t) => t !== mart)
    dev.tasks.push({ ...mart, id: 'mart_finance', name: 'Finance mart', datasets: ['fact_ledger'] })
    sim.clearRequests()
    const { report } = await runPromote(sim, { 'dry-run': 'true' })
    expect(report.error).toBeUndefined()
    expect(targetWrites()).toEqual([])
    const d = report.plan!.changes!
    expect(d.targetExists).toBe(true)
    expect(d.tasks.added.map((t) => t.id)).toEqual(['mart_finance'])
    expect(d.tasks.removed.map((t) => t.id)).toEqual(['mart_sales'])
    expect(d.tasks.unchanged).toEqual(['landing_crm'])
    expect(d.tasks.changed).toEqual([
      expect.objectContaining({ id: 'landing_orders', datasetsAdded: ['returns'], settings: [] }),
      expect.objectContaining({
        id: 'storage_sales',
        settings: [{ path: '/taskRuntime/tableUpdateConcurrency', from: 10, to: 4 }]
      })
    ])
    const md = readFileSync(report.planPath!, 'utf8')
    expect(md.startsWith('<!-- qlik-di-promote:plan -->')).toBe(true)
    expect(md).toContain('| ➕ added | Finance mart (`mart_finance`) | DATAMART | 1 dataset(s) |')
    expect(md).toContain(
      '| ✏️ changed | Storage sales (`storage_sales`) | STORAGE | `/taskRuntime/tableUpdateConcurrency`: `10` → `4` |'
    )
    expect(md).toContain('datasets added: `returns`')
    expect(md).toContain(
      '| ⚠️ on the target only | Sales mart (`mart_sales`) | DATAMART | not in the package |'
    )
    expect(
      JSON.parse(readFileSync(report.planPath!.replace(/\.md$/, '.json'), 'utf8')).changes
    ).toEqual(d)
    // binding values never appear in the plan, only names
    expect(md).not.toContain('PROD_DATA.snowflake_prod')
  })
})
