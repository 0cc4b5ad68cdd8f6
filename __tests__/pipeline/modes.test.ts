import { cpSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import type { Simulator } from '../../src/simulator/server.js'
import { runPromote } from '../helpers/pipeline.js'
import { startDemo } from '../helpers/sim.js'

let sim: Simulator
beforeEach(async () => {
  sim = await startDemo()
})
afterEach(async () => {
  await sim.close()
})

/** Build once, deploy many: an export run, then deploy runs from its package. */
describe('export and deploy modes', () => {
  it('exports to an artifact without touching any target', async () => {
    const { report } = await runPromote(sim, {
      mode: 'export',
      'target-tenant': '',
      'target-api-key': '',
      'target-space': ''
    })
    expect(report.error).toBeUndefined()
    expect(report.steps.map((s) => s.name)).toEqual([
      'Find the source project',
      'Export the source project',
      'Keep the package as an artifact'
    ])
    expect(sim.requests({ tenant: 'prod' })).toEqual([])
    expect(report.artifact?.name).toBe('qlik-di-sales-pipeline')
  })

  it('deploys the exported package from zip-path, checking its digest against the manifest', async () => {
    const exp = await runPromote(sim, { mode: 'export' })
    const dir = mkdtempSync(join(tmpdir(), 'qdp-deploy-'))
    cpSync(exp.report.artifact!.location, dir, { recursive: true })
    const zip = join(dir, 'sales-pipeline.zip')
    const dep = await runPromote(sim, {
      mode: 'deploy',
      'zip-path': zip,
      'source-tenant': '',
      'source-api-key': '',
      'source-project': ''
    })
    expect(dep.report.error).toBeUndefined()
    expect(dep.report.steps[0]).toMatchObject({
      name: 'Get the package',
      detail: `sha256 ${exp.report.package!.sha256} matches the manifest`
    })
    expect(dep.report.target).toMatchObject({ projectName: 'Sales pipeline', created: true })
    const prod = sim.state('prod').projects.find((p) => p.name === 'Sales pipeline')!
    expect(prod).toMatchObject({ type: 'DATA_PIPELINE', platformType: 'SNOWFLAKE' })
    expect(prod.tasks.every((t) => t.validated)).toBe(true)
    // deploy sent nothing to the source tenant
    expect(sim.requests({ tenant: 'dev' }).filter((r) => r.time >= dep.report.startedAt)).toEqual(
      []
    )
  })

  it('refuses a tampered package before any request to the target', async () => {
    const exp = await runPromote(sim, { mode: 'export' })
    const dir = mkdtempSync(join(tmpdir(), 'qdp-tamper-'))
    cpSync(exp.report.artifact!.location, dir, { recursive: true })
    const zip = join(dir, 'sales-pipeline.zip')
    const { buildPackage } = await import('../../src/simulator/engine/packages.js')
    const src = sim.state('dev').projects.find((p) => p.name === 'Sales pipeline')!
    writeFileSync(zip, buildPackage({ ...src, description: 'changed by hand' }, 'MINIMAL', false))
    const dep = await runPromote(sim, { mode: 'deploy', 'zip-path': zip })
    expect(dep.report.outcome).toBe('failed')
    expect(dep.report.error).toMatch(
      /has sha256 [0-9a-f]{64}, but its manifest says [0-9a-f]{64}: it was changed after the export\. Refusing to deploy it\.\nNothing was changed on the target tenant [^:]+:\d+: no write was sent to it\./
    )
    expect(sim.requests({ tenant: 'prod' })).toEqual([])
    expect(dirname(zip)).toBe(dir)
  })

  it('deploys a ZIP without a manifest when told the target project name, with a warning', async () => {
    const exp = await runPromote(sim, { mode: 'export' })
    const dir = mkdtempSync(join(tmpdir(), 'qdp-bare-'))
    cpSync(join(exp.report.artifact!.location, 'sales-pipeline.zip'), join(dir, 'p.zip'))
    const none = await runPromote(sim, { mode: 'deploy', 'zip-path': join(dir, 'p.zip') })
    expect(none.report.error).toContain(
      "Input 'target-project' is required to deploy a package without a manifest"
    )
    const named = await runPromote(sim, {
      mode: 'deploy',
      'zip-path': join(dir, 'p.zip'),
      'target-project': 'Sales pipeline'
    })
    expect(named.report.error).toBeUndefined()
    expect(named.log.text()).toContain('warning: No manifest.json beside')
  })
})
