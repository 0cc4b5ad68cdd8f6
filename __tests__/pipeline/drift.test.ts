import { readFileSync } from 'node:fs'
import { strFromU8, strToU8 } from 'fflate'
import type { Simulator } from '../../src/simulator/server.js'
import { renderSummary } from '../../src/report/summary.js'
import { runPromote } from '../helpers/pipeline.js'
import { startDemo } from '../helpers/sim.js'

/** mode drift (reads only) and skip-unchanged, against a project deployed from a folder. */

const example = new URL('../../examples/project/', import.meta.url).pathname
const BINDINGS = readFileSync(
  new URL('../../examples/bindings/support-prod.yaml', import.meta.url),
  'utf8'
)
const folder = {
  'source-tenant': '',
  'source-api-key': '',
  'source-project': '',
  'package-dir': example,
  'target-project': 'Support',
  bindings: BINDINGS
}
const STORAGE_TASK = 'qtcp_tasks/Storage support/task.yaml'

let sim: Simulator
beforeEach(async () => {
  sim = await startDemo()
  const { report } = await runPromote(sim, { ...folder, mode: 'deploy' })
  expect(report.error).toBeUndefined()
  sim.clearRequests()
})
afterEach(async () => {
  await sim.close()
})

/** Someone changes a setting of the storage task in the Qlik UI. */
function hotFix(): void {
  const p = sim.state('prod').projects.find((x) => x.name === 'Support')!
  const files = p.definitionFiles!
  files[STORAGE_TASK] = strToU8(
    strFromU8(files[STORAGE_TASK]!).replace(
      'tableUpdateConcurrency: 4',
      'tableUpdateConcurrency: 8'
    )
  )
}
const writes = () =>
  sim
    .requests({ tenant: 'prod' })
    .filter((r) => r.method !== 'GET' && !r.path.endsWith('/actions/export'))

describe('drift', () => {
  it('a target equal to the package: no drift, reads only', async () => {
    const { report } = await runPromote(sim, { ...folder, mode: 'drift' })
    expect(report.error).toBeUndefined()
    expect(report.drift).toEqual({ drifted: false, targetExists: true, differences: [] })
    expect(writes()).toEqual([])
    expect(report.artifact).toBeUndefined()
    expect(renderSummary(report)).toContain('No drift: the target equals the package')
  })

  it('a setting changed on the target and a binding given another value: drifted, each named', async () => {
    hotFix()
    const { report } = await runPromote(sim, {
      ...folder,
      mode: 'drift',
      bindings: BINDINGS.replace(
        /task-type\.storage\.databaseName: .*/,
        'task-type.storage.databaseName: OTHER_DB'
      )
    })
    expect(report.error).toBeUndefined()
    expect(report.drift?.drifted).toBe(true)
    expect(report.drift?.differences).toEqual([
      "task 'Storage support' (storage_support): setting /taskRuntime/tableUpdateConcurrency differs",
      'binding task-type.storage.databaseName has another value on the target'
    ])
    // the value itself is never printed
    expect(JSON.stringify(report)).not.toContain('OTHER_DB')
    expect(writes()).toEqual([])
    expect(report.plan?.changes?.tasks.changed.map((c) => c.id)).toEqual(['storage_support'])
  })

  it('a target project that does not exist has drifted', async () => {
    const { report } = await runPromote(sim, {
      ...folder,
      mode: 'drift',
      'target-project': 'Nowhere'
    })
    expect(report.drift).toEqual({
      drifted: true,
      targetExists: false,
      differences: ['the target project does not exist']
    })
  })

  it('refuses write inputs before any request', async () => {
    const { report } = await runPromote(sim, {
      ...folder,
      mode: 'drift',
      'run-tasks': 'all'
    }).catch((e: Error) => ({ report: { error: e.message } as { error: string } }))
    expect(report.error).toContain(
      "Mode 'drift' only reads and compares; 'run-tasks' is for modes deploy and promote."
    )
  })
})

describe('skip-unchanged', () => {
  it('sends nothing to a target that equals the package, and deploys one that differs', async () => {
    const same = await runPromote(sim, { ...folder, mode: 'deploy', 'skip-unchanged': 'true' })
    expect(same.report.error).toBeUndefined()
    expect(same.report.unchanged).toBe(true)
    expect(writes()).toEqual([])
    expect(same.report.ledger.entries).toEqual([])
    expect(renderSummary(same.report)).toContain('Unchanged: the target already equals the package')

    hotFix()
    const before = sim.state('prod').projects.find((x) => x.name === 'Support')!.importCount
    const changed = await runPromote(sim, { ...folder, mode: 'deploy', 'skip-unchanged': 'true' })
    expect(changed.report.error).toBeUndefined()
    expect(changed.report.unchanged).toBeUndefined()
    expect(changed.log.text()).toContain(
      "Not unchanged (1 difference(s)): task 'Storage support' (storage_support): setting /taskRuntime/tableUpdateConcurrency differs"
    )
    expect(sim.state('prod').projects.find((x) => x.name === 'Support')!.importCount).toBe(
      before + 1
    )
  })
})
