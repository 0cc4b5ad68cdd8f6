/**
 * dist/index.js run as the runner runs it (E2E_NODE: Node 24 in .ci/run) against the simulator over
 * real HTTP. Outside a runner (no ACTIONS_RUNTIME_TOKEN) the package goes to a local directory.
 */
import { existsSync, readFileSync } from 'node:fs'
import type { Simulator } from '../../src/simulator/server.js'
import { runAction } from '../helpers/action.js'
import { PROD_BINDINGS_YAML } from '../helpers/pipeline.js'
import { startDemo } from '../helpers/sim.js'

let sim: Simulator
beforeEach(async () => {
  sim = await startDemo()
})
afterEach(async () => {
  await sim.close()
})

function inputs(extra: Record<string, string> = {}): Record<string, string> {
  const dev = sim.tenantInfo('dev')
  const prod = sim.tenantInfo('prod')
  return {
    'source-tenant': dev.url,
    'source-api-key': dev.apiKey,
    'source-project': 'Sales pipeline',
    'target-tenant': prod.url,
    'target-client-id': prod.clientId,
    'target-client-secret': prod.clientSecret,
    'target-space': 'PROD_PIPELINES',
    bindings: PROD_BINDINGS_YAML,
    'poll-interval': '0.02',
    ...extra
  }
}

const secretsOf = (): string[] => {
  const dev = sim.tenantInfo('dev')
  const prod = sim.tenantInfo('prod')
  return [dev.apiKey, dev.clientSecret, prod.apiKey, prod.clientSecret]
}

it('promotes into a new target project, sets every output, writes the summary and report', async () => {
  const r = await runAction(inputs())
  expect(r.stderr).toBe('')
  expect(r.code).toBe(0)
  // a clean run raises no annotation: the definition check of Qlik's own export shape is clean
  expect(r.stdout).not.toMatch(/^::(warning|error)/m)
  expect(r.outputs).toMatchObject({
    'project-created': 'true',
    'artifact-name': 'qlik-di-sales-pipeline-v1.2.3',
    'import-state': 'COMPLETED',
    'prepare-state': 'COMPLETED',
    'validate-state': 'COMPLETED',
    'zip-sha256': expect.stringMatching(/^[0-9a-f]{64}$/)
  })
  const prod = sim.state('prod').projects.find((p) => p.name === 'Sales pipeline')!
  expect(r.outputs['target-project-id']).toBe(prod.id)
  expect(r.outputs['source-project-id']).toBe(
    sim.state('dev').projects.find((p) => p.name === 'Sales pipeline')!.id
  )
  expect(existsSync(r.outputs['zip-path']!)).toBe(true)
  const report = JSON.parse(readFileSync(r.outputs['report-path']!, 'utf8'))
  expect(report).toMatchObject({ outcome: 'succeeded', target: { created: true } })
  expect(r.summary).toContain('## ✅ Promoted · Sales pipeline → ')
  expect(r.summary).toContain('| Validate the target project | ✅ succeeded |')
  expect(r.stdout).toContain('::group::Import the package')
  // each tenant only ever received its own credential
  expect(sim.requests({ tenant: 'dev' }).every((q) => q.credential === 'dev-api-key-1')).toBe(true)
  expect(
    sim
      .requests({ tenant: 'prod' })
      .filter((q) => q.path !== '/oauth/token')
      .every((q) => q.credential === 'prod-oauth-client-1')
  ).toBe(true)
  expect(sim.requests().some((q) => q.foreignCredentialOf)).toBe(false)
  // secrets are masked the moment they are read (the runner consumes ::add-mask:: lines) ...
  const maskLines = r.stdout.split('\n').filter((l) => l.startsWith('::add-mask::'))
  expect(maskLines).toEqual(
    expect.arrayContaining([
      `::add-mask::${sim.tenantInfo('dev').apiKey}`,
      `::add-mask::${sim.tenantInfo('prod').clientSecret}`,
      expect.stringMatching(/^::add-mask::simtok_/)
    ])
  )
  // ... and appear nowhere else
  const visible = r.stdout
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n')
  const everything = [
    visible,
    r.stderr,
    r.summary,
    JSON.stringify(r.outputs),
    readFileSync(r.outputs['report-path']!, 'utf8'),
    readFileSync(r.outputs['zip-path']!).toString('latin1')
  ].join('\n')
  const tokens = maskLines
    .map((l) => l.slice('::add-mask::'.length))
    .filter((t) => t.startsWith('simtok_'))
  for (const s of [...secretsOf(), ...tokens]) expect(everything).not.toContain(s)

  // again: the existing project is reused
  const again = await runAction(inputs())
  expect(again.code).toBe(0)
  expect(again.outputs['project-created']).toBe('false')
  expect(sim.state('prod').projects.filter((p) => p.name === 'Sales pipeline')).toHaveLength(1)
})

it('fails with the failed task and Qlik message when validate fails, in log, annotations and summary', async () => {
  sim.injectFault({
    tenant: 'prod',
    path: '/actions/validate',
    actionOutcome: { state: 'FAILED', message: 'Column ORDER_TS does not exist in target' }
  })
  const r = await runAction(inputs())
  expect(r.code).not.toBe(0)
  expect(r.stdout).toMatch(
    /::error title=Validate failed%3A Landing CRM::Validate failed for task Landing CRM \(landing_crm\): Column ORDER_TS does not exist in target/
  )
  expect(r.stdout).toContain('::error::Validate ended FAILED on the target tenant')
  expect(r.outputs['validate-state']).toBe('FAILED')
  expect(r.summary).toMatch(/^## ❌ Failed at /m)
  expect(r.summary).toContain('Column ORDER_TS does not exist in target')
})

describe('bad inputs: exit non-zero, name the input, send no request', () => {
  const cases: Array<[string, Record<string, string>, RegExp]> = [
    ['not a URL', { 'target-tenant': 'not a url' }, /Input 'target-tenant' is not a URL/],
    [
      'http to a remote host',
      { 'target-tenant': 'http://prod.example.com' },
      /Input 'target-tenant' uses http:\/\//
    ],
    [
      'API key and client secret',
      { 'target-api-key': 'k-123456' },
      /Inputs 'target-api-key' and 'target-client-id'\/'target-client-secret' are both set/
    ],
    ['missing target space', { 'target-space': '' }, /Input 'target-space' is required/],
    [
      'malformed bindings YAML',
      { bindings: 'platformConnection: [unclosed' },
      /Input 'bindings' \(inline\) is not valid YAML/
    ],
    [
      'negative timeout',
      { timeout: '-1' },
      /Input 'timeout' must be a number from 1 to 86400, got "-1"/
    ],
    [
      'unknown export mode',
      { 'export-mode': 'FULL' },
      /Input 'export-mode' must be one of MINIMAL, ALL, LEGACY, got "FULL"/
    ],
    [
      'unset environment variable in bindings',
      { bindings: 'task-type.storage.databaseName: ${NOT_SET_ANYWHERE}' },
      /environment variables that are not set: NOT_SET_ANYWHERE/
    ]
  ]
  it.each(cases)('%s', async (_name, extra, message) => {
    const r = await runAction(inputs(extra))
    expect(r.code).not.toBe(0)
    expect(r.stdout).toMatch(message)
    expect(sim.requests()).toEqual([])
  })
})

it('a server error that a retry recovers from is a log line and a count in the summary, not a warning', async () => {
  sim.injectFault({ tenant: 'prod', method: 'GET', path: '/api/v1/spaces', status: 503, times: 1 })
  const r = await runAction(inputs())
  expect(r.code).toBe(0)
  expect(r.stdout).toMatch(/GET \/api\/v1\/spaces answered 503.*retrying in/)
  expect(r.stdout).not.toMatch(/^::warning/m)
  expect(r.summary).toContain('Requests: 1 sent again after a server error, reset or timeout')
}, 60000)
