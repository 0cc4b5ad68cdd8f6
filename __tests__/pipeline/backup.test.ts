import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
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

const prodSales = () => sim.state('prod').projects.find((p) => p.name === 'Sales pipeline')!
const snapshot = () => {
  const p = prodSales()
  return {
    description: p.description,
    tasks: p.tasks
      .map((t) => ({ id: t.id, datasets: [...t.datasets] }))
      .sort((a, b) => a.id.localeCompare(b.id)),
    bindings: { ...p.bindings }
  }
}

describe('backups and rollback', () => {
  it('backs up an existing target, says how to roll back when the deploy fails, and the rollback restores it', async () => {
    const artifacts = mkdtempSync(join(tmpdir(), 'qdp-artifacts-'))
    // v1 lands
    const v1 = await runPromote(sim, {}, {}, artifacts)
    expect(v1.report.outcome).toBe('succeeded')
    expect(v1.report.backup).toBeUndefined() // a new project has nothing to back up
    const before = snapshot()

    // v2 changes the project in dev and the bindings, and fails validation in prod
    const dev = sim.state('dev').projects.find((p) => p.name === 'Sales pipeline')!
    dev.description = 'v2: with returns'
    dev.tasks.find((t) => t.id === 'landing_orders')!.datasets.push('returns')
    sim.injectFault({
      tenant: 'prod',
      pathRegex: '/actions/validate$',
      actionOutcome: { state: 'FAILED', message: 'Column RETURN_TS is unknown' },
      times: 1
    })
    const v2 = await runPromote(
      sim,
      { bindings: PROD_BINDINGS_YAML.replace('ANALYTICS', 'ANALYTICS_V2') },
      {},
      artifacts
    )
    expect(v2.report.outcome).toBe('failed')
    const backup = v2.report.backup!
    expect(backup.name).toMatch(/^qlik-di-backup-sales-pipeline-127-\d{8}T\d{6}Z$/)
    expect(v2.report.error).toContain(
      `To restore: roll back to the version before this run: run this action with mode: deploy, artifact-name: ${backup.name}`
    )
    expect(v2.report.steps.find((s) => s.name === 'Back up the target project')?.state).toBe(
      'succeeded'
    )
    expect(renderSummary(v2.report)).toContain(
      `Backup of the target before this run: **${backup.name}**`
    )
    expect(snapshot()).not.toEqual(before)

    // roll back: deploy the backup (no bindings input: the backup brings its own)
    const rb = await runPromote(
      sim,
      {
        mode: 'deploy',
        'artifact-name': backup.name,
        'target-project': backup.projectId,
        bindings: '',
        'allow-recreate': 'true'
      },
      {},
      artifacts
    )
    expect(rb.report.error).toBeUndefined()
    expect(rb.log.text()).toContain('its 7 saved binding(s) are restored')
    expect(snapshot()).toEqual(before)
    expect(prodSales().tasks.every((t) => t.prepared && t.validated)).toBe(true)
  })

  it('makes no backup with backup: false', async () => {
    expect((await runPromote(sim)).report.outcome).toBe('succeeded')
    const again = await runPromote(sim, { backup: 'false' })
    expect(again.report.backup).toBeUndefined()
    expect(again.report.steps.find((s) => s.name === 'Back up the target project')?.state).toBe(
      'skipped'
    )
  })
})
