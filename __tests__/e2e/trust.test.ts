/**
 * The ledger's account through dist/index.js as the runner runs it: the failure message
 * (::error::), the job summary, the JSON report and the outputs all say what changed on the
 * target, what did not and how to restore; the target's state afterwards is checked too.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Simulator } from '../../src/simulator/server.js'
import { runAction } from '../helpers/action.js'
import { E2E_NODE, ROOT } from '../helpers/bundle.js'
import { PROD_BINDINGS_YAML, promoteInputs } from '../helpers/pipeline.js'
import { startDemo } from '../helpers/sim.js'

let sim: Simulator
beforeEach(async () => {
  sim = await startDemo()
})
afterEach(async () => {
  await sim.close()
})

const host = (): string => new URL(sim.tenantInfo('prod').url).host
const prodSales = () => sim.state('prod').projects.find((p) => p.name === 'Sales pipeline')!
const V2 = PROD_BINDINGS_YAML.replace('ANALYTICS', 'ANALYTICS_V2')

const inputs = (extra: Record<string, string> = {}): Record<string, string> =>
  promoteInputs(sim, extra)

/** The ::error:: line's message, decoded as the runner shows it. */
const errorOf = (stdout: string): string =>
  (stdout.split('\n').find((l) => l.startsWith('::error::')) ?? '')
    .slice('::error::'.length)
    .replace(/%0A/g, '\n')
    .replace(/%0D/g, '\r')
    .replace(/%25/g, '%')

it('an import that ends FAILED on an existing target: bindings put back, and every channel says so', async () => {
  expect((await runAction(inputs())).code).toBe(0)
  const before = { ...prodSales().bindings }
  sim.injectFault({
    tenant: 'prod',
    path: '/actions/import-async',
    actionOutcome: { state: 'FAILED', message: 'Table ORDERS is locked' },
    times: 1
  })
  const r = await runAction(inputs({ bindings: V2 }))
  expect(r.code).toBe(1)
  expect(prodSales().bindings).toEqual(before)
  const error = errorOf(r.stdout)
  expect(error).toContain('Import ended FAILED')
  expect(error).toContain(
    `Changed on the target tenant ${host()}: bindings set: 1 changed (task-type.storage.databaseName)`
  )
  expect(error).toContain('bindings put back as they were before this run: 1 reverted')
  expect(error).toContain('Not changed: prepare (not sent), validate (not sent).')
  expect(error).toContain('The target project ends as it was before this run')
  expect(r.outputs['import-state']).toBe('FAILED')
  expect(r.summary).toContain('### Changes on the target')
  expect(r.summary).toContain('The target project ends as it was before this run')
  expect(r.summary).toContain('<summary>Checks before the first write (')
  expect(r.summary).toMatch(/^## ❌ Failed at Import the package: the target ends as it was · /m)
  const report = JSON.parse(readFileSync(r.outputs['report-path']!, 'utf8'))
  expect(
    report.ledger.entries.map((e: { kind: string; state: string }) => `${e.kind}:${e.state}`)
  ).toEqual([
    'set-bindings:done',
    'import:done',
    'prepare:not-sent',
    'validate:not-sent',
    'restore-bindings:done'
  ])
  expect(report.ledger.account.join('\n')).toBe(error.slice(error.indexOf('Changed on')))
}, 60000)

it('a target of another platform is refused before the export: no write anywhere, and the message says so', async () => {
  expect((await runAction(inputs())).code).toBe(0)
  prodSales().platformType = 'BIGQUERY'
  sim.clearRequests()
  const r = await runAction(inputs({ bindings: V2 }))
  expect(r.code).toBe(1)
  const error = errorOf(r.stdout)
  expect(error).toContain('Refused before the export and before any change: project platform')
  expect(error).toContain(
    `Nothing was changed on the target tenant ${host()}: no write was sent to it.`
  )
  expect(sim.requests().filter((q) => q.method !== 'GET')).toEqual([])
  expect(r.summary).toContain('Nothing was changed on the target tenant')
}, 60000)

it('a status that cannot be read: the import was started, its action id, and it may still be running', async () => {
  sim.injectFault({ tenant: 'prod', method: 'GET', path: '/di-projects/actions/', status: 500 })
  const r = await runAction(inputs())
  expect(r.code).toBe(1)
  const error = errorOf(r.stdout)
  const id = /action ([0-9a-f]+)\), but its status could not be read/.exec(error)?.[1]
  expect(id).toBeDefined()
  expect(error).toContain('It may still be running')
  expect(error).toContain(
    `created project 'Sales pipeline' in space PROD_PIPELINES (${prodSales().id})`
  )
  expect(error).toContain(`wait for import action ${id} to end`)
  expect(r.outputs['import-state']).toBe('unknown')
}, 120000)

it('the CLI bundle exits 2 for a zip-path that is a directory, naming the input, sending nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'qdp-cli-dir-'))
  const child = spawn(
    E2E_NODE,
    [
      join(ROOT, 'dist/cli/index.js'),
      '--mode',
      'deploy',
      '--zip-path',
      dir,
      '--target-tenant',
      sim.tenantInfo('prod').url,
      '--target-space',
      'PROD_PIPELINES'
    ],
    {
      env: {
        PATH: process.env.PATH ?? '',
        QLIK_TARGET_API_KEY: sim.tenantInfo('prod').apiKey,
        QLIK_ARTIFACT_DIR: dir
      },
      stdio: ['ignore', 'pipe', 'pipe']
    }
  )
  let out = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  expect(code).toBe(2)
  expect(out).toContain(`--zip-path (QLIK_ZIP_PATH): ${dir} is not a file`)
  expect(out).toContain('Nothing was changed on the target tenant')
  expect(sim.requests({ tenant: 'prod' })).toEqual([])
}, 60000)

describe('more faults through the bundle: the account and the target afterwards', () => {
  it('on-failure: keep leaves the new bindings after a CANCELED import, and says so', async () => {
    expect((await runAction(inputs())).code).toBe(0)
    sim.injectFault({
      tenant: 'prod',
      path: '/actions/import-async',
      actionOutcome: { state: 'CANCELED' },
      times: 1
    })
    const r = await runAction(inputs({ bindings: V2, 'on-failure': 'keep' }))
    expect(r.code).toBe(1)
    expect(prodSales().bindings['task-type.storage.databaseName']).toBe('ANALYTICS_V2')
    const error = errorOf(r.stdout)
    expect(error).toContain('and ended CANCELED')
    expect(error).toContain('the new bindings were kept on purpose (on-failure: keep)')
    expect(error).toContain(`artifact-name: ${r.outputs['backup-artifact-name']}`)
    expect(r.summary).toContain("| Put the target's bindings back | ⏭️ skipped |")
  }, 60000)

  it('a 409 on import-async that lasts past timeout: refused, bindings put back, the wait said', async () => {
    expect((await runAction(inputs())).code).toBe(0)
    const before = { ...prodSales().bindings }
    sim.clearRequests()
    sim.injectFault({ tenant: 'prod', path: '/actions/import-async', status: 409, times: 1000 })
    const r = await runAction(inputs({ bindings: V2, timeout: '2' }))
    expect(r.code).toBe(1)
    expect(prodSales().bindings).toEqual(before)
    expect(r.stdout).toContain('::warning title=Import waits for a running action::')
    expect(errorOf(r.stdout)).toContain('stayed busy for 2 s')
    expect(errorOf(r.stdout)).toContain('Not changed: import (refused by the server)')
    // waited, not hammered: a few attempts in 2 s
    const sent = sim
      .requests({ tenant: 'prod' })
      .filter((q) => q.path.endsWith('/actions/import-async')).length
    expect(sent).toBeGreaterThan(1)
    expect(sent).toBeLessThan(6)
  }, 60000)

  it('a lost answer to import-async is never repeated, and the account says the import may be running', async () => {
    expect((await runAction(inputs())).code).toBe(0)
    sim.clearRequests()
    sim.injectFault({ tenant: 'prod', path: '/actions/import-async', reset: true, times: 1 })
    const r = await runAction(inputs({ bindings: V2 }))
    expect(r.code).toBe(1)
    const error = errorOf(r.stdout)
    expect(error).toContain('Outcome unknown: import (the answer was lost')
    expect(error).toContain('an import may be running')
    expect(
      sim.requests({ tenant: 'prod' }).filter((q) => q.path.endsWith('/actions/import-async'))
    ).toHaveLength(1)
  }, 60000)

  it('a mistyped target-space is found before the export and the artifact', async () => {
    const r = await runAction(inputs({ 'target-space': 'PROD_PIPELNES' }))
    expect(r.code).toBe(1)
    expect(errorOf(r.stdout)).toContain(
      "Input 'target-space': no space with id or name 'PROD_PIPELNES'"
    )
    expect(sim.requests({ tenant: 'dev' }).some((q) => q.path.endsWith('/actions/export'))).toBe(
      false
    )
    expect(r.outputs['artifact-name']).toBe('')
  }, 60000)

  it('bad inputs are refused before any request, named, and never echoed raw', async () => {
    const r = await runAction(
      inputs({
        'target-tenant': `${'a'.repeat(100_000)}.example.com`,
        'target-project': 'Sales\u001b[31m pipeline'
      })
    )
    expect(r.code).toBe(1)
    expect(sim.requests()).toEqual([])
    const error = errorOf(r.stdout)
    expect(error).toContain(
      "Input 'target-tenant' is 100012 characters long; the most it takes is 300"
    )
    expect(error).toContain(
      "Input 'target-project' contains a control character (U+001B at position 6)"
    )
    expect(r.stdout).not.toContain('\u001b[31m')
  }, 60000)
})

it('a misspelled connection: the dry run exits 1 naming it and the name that exists; the real run changes nothing', async () => {
  const typo = PROD_BINDINGS_YAML.replace('PROD_DATA.snowflake_prod', 'PROD_DATA.snowflake_prd')
  const dry = await runAction(inputs({ bindings: typo, 'dry-run': 'true' }))
  expect(dry.code).toBe(1)
  const said = errorOf(dry.stdout)
  expect(said).toContain(
    "platformConnection = {{id(connection, PROD_DATA.snowflake_prd)}}: no connection 'snowflake_prd' in space PROD_DATA"
  )
  expect(said).toContain("similar connections: 'snowflake_prod'")
  const real = await runAction(inputs({ bindings: typo }))
  expect(real.code).toBe(1)
  expect(errorOf(real.stdout)).toContain(`Nothing was changed on the target tenant ${host()}`)
  expect(sim.requests({ tenant: 'prod' }).filter((r) => r.method !== 'GET')).toEqual([])
  expect(sim.state('prod').projects).toEqual([])
})
