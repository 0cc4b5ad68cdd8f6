import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Simulator } from '../../src/simulator/server.js'
import { startDemo } from '../helpers/sim.js'
import { runPromote } from '../helpers/pipeline.js'

let sim: Simulator
beforeEach(async () => {
  sim = await startDemo()
})
afterEach(async () => {
  await sim.close()
})

const writes = (tenant: string) =>
  sim
    .requests({ tenant })
    .filter(
      (r) =>
        r.method !== 'GET' &&
        !r.path.endsWith('/actions/export') &&
        !r.path.includes('validate-project-definitions')
    )

describe('promote pipeline against the simulator', () => {
  it('creates the target, sets bindings, imports, prepares, validates', async () => {
    const { report, log } = await runPromote(sim)
    expect(report.error).toBeUndefined()
    expect(report.outcome).toBe('succeeded')
    expect(report.target).toMatchObject({
      projectName: 'Sales pipeline',
      created: true,
      spaceName: 'PROD_PIPELINES'
    })
    expect(report.actions.import?.state).toBe('COMPLETED')
    expect(report.actions.prepare?.state).toBe('COMPLETED')
    expect(report.actions.validate?.state).toBe('COMPLETED')
    expect(report.steps.map((s) => `${s.name}:${s.state}`)).toEqual([
      'Find the source project:succeeded',
      'Export the source project:succeeded',
      'Keep the package as an artifact:succeeded',
      'Find the target space:succeeded',
      'Find the target project:succeeded',
      'Compute the bindings:succeeded',
      'Pre-flight check of the package:succeeded',
      'Create the target project:succeeded',
      'Set the target bindings:succeeded',
      'Import the package:succeeded',
      'Prepare the target project:succeeded',
      'Validate the target project:succeeded'
    ])
    const manifest = JSON.parse(
      readFileSync(join(report.artifact!.location, 'manifest.json'), 'utf8')
    )
    expect(manifest).toMatchObject({
      projectName: 'Sales pipeline',
      exportMode: 'MINIMAL',
      packageSha256: report.package!.sha256
    })
    expect(existsSync(join(report.artifact!.location, 'sales-pipeline.zip'))).toBe(true)
    const prod = sim.state('prod').projects.find((p) => p.name === 'Sales pipeline')!
    expect(prod.tasks.every((t) => t.prepared && t.validated)).toBe(true)
    expect(prod.bindings.projectName).toBe('Sales pipeline')
    expect(log.text()).toMatch(/Import: COMPLETED \(tasks: 4 completed\) after/)

    // a second run reuses the project: no second project
    const again = await runPromote(sim)
    expect(again.report.outcome).toBe('succeeded')
    expect(again.report.target?.created).toBe(false)
    expect(sim.state('prod').projects.filter((p) => p.name === 'Sales pipeline')).toHaveLength(1)
  })

  it('fails before any write to the target when a declared variable has no value, naming it', async () => {
    const { report } = await runPromote(sim, {
      bindings: 'platformConnection: "{{id(connection, PROD_DATA.snowflake_prod)}}"'
    })
    expect(report.outcome).toBe('failed')
    expect(report.error).toContain('task.landing_orders.sourceConnection')
    expect(report.error).toContain('nothing was changed on the target')
    expect(writes('prod')).toEqual([])
  })

  it('warns about variables the package does not declare', async () => {
    const { report, log } = await runPromote(sim, {
      bindings: `${(await import('../helpers/pipeline.js')).PROD_BINDINGS_YAML}\nplatformConection: typo\n`
    })
    expect(report.outcome).toBe('succeeded')
    expect(report.bindings?.unknown).toEqual(['platformConection'])
    expect(log.text()).toContain('(probable typos): platformConection')
  })

  it('fails with the failed task and Qlik message when prepare fails', async () => {
    const prod = sim.state('prod')
    prod.connections = prod.connections.filter((c) => c.name !== 'crm_mysql')
    const { report, log } = await runPromote(sim)
    expect(report.outcome).toBe('failed')
    // the import already refuses the unknown connection
    expect(report.error).toContain("Connection 'PROD_SOURCES.crm_mysql'")
    expect(report.error).toContain('Import ended FAILED on the target tenant')
    expect(log.text()).toContain('error: Import failed for task Landing CRM (landing_crm)')
  })

  it('times out on an action that never finishes, naming its id', async () => {
    sim.injectFault({ tenant: 'prod', path: '/actions/prepare', neverFinish: true })
    const { report } = await runPromote(sim, { timeout: '1' })
    expect(report.outcome).toBe('failed')
    const id = report.steps.find((s) => s.name === 'Prepare the target project')
    expect(id?.state).toBe('failed')
    expect(report.error).toMatch(
      /Prepare did not finish within 1 s: it was still EXECUTING on the target tenant \(action id [0-9a-f]+\)/
    )
    expect(report.error).toContain("may still be running on Qlik's side")
  })
})
