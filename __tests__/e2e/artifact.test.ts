/**
 * The package goes through the real @actions/artifact client (inside dist/index.js) to a local fake
 * of the artifact service; the uploaded ZIP holds the exact exported package and a manifest.
 */
import { createHash } from 'node:crypto'
import { unzipSync, strFromU8, zipSync } from 'fflate'
import { readFileSync } from 'node:fs'
import type { Simulator } from '../../src/simulator/server.js'
import { runAction } from '../helpers/action.js'
import { FakeArtifactService } from '../helpers/artifact-service.js'
import { PROD_BINDINGS_YAML } from '../helpers/pipeline.js'
import { startDemo } from '../helpers/sim.js'

let sim: Simulator
let service: FakeArtifactService
beforeAll(async () => {
  sim = await startDemo()
  service = await new FakeArtifactService().start()
})
afterAll(async () => {
  await sim.close()
  await service.close()
})

it('uploads ZIP + manifest as a workflow artifact whose package digest equals the export', async () => {
  const dev = sim.tenantInfo('dev')
  const prod = sim.tenantInfo('prod')
  const r = await runAction(
    {
      'source-tenant': dev.url,
      'source-api-key': dev.apiKey,
      'source-project': 'Sales pipeline',
      'target-tenant': prod.url,
      'target-api-key': prod.apiKey,
      'target-space': 'PROD_PIPELINES',
      bindings: PROD_BINDINGS_YAML,
      'poll-interval': '0.02',
      'retention-days': '5'
    },
    { ...service.env('/tmp'), GITHUB_SERVER_URL: 'https://github.com' }
  )
  expect(r.code).toBe(0)
  expect(service.calls).toEqual(
    expect.arrayContaining([
      'POST /twirp/github.actions.results.api.v1.ArtifactService/CreateArtifact',
      expect.stringMatching(/^PUT \/blob\/\d+\?comp=block$/),
      expect.stringMatching(/^PUT \/blob\/\d+\?comp=blocklist$/),
      'POST /twirp/github.actions.results.api.v1.ArtifactService/FinalizeArtifact'
    ])
  )
  const a = service.artifacts.find((x) => x.name === 'qlik-di-sales-pipeline-v1.2.3')!
  expect(a.finalized).toBe(true)
  expect(a.runBackendId).toBe('run-backend-1')
  expect(a.hash).toMatch(/^sha256:[0-9a-f]{64}$/)
  expect(a.expiresAt).toBeDefined()
  expect(r.outputs['artifact-id']).toBe(String(a.id))
  expect(r.outputs['artifact-name']).toBe(a.name)
  const files = unzipSync(new Uint8Array(a.content!))
  expect(Object.keys(files).sort()).toEqual(['manifest.json', 'sales-pipeline.zip'])
  const digest = createHash('sha256').update(files['sales-pipeline.zip']!).digest('hex')
  expect(digest).toBe(r.outputs['zip-sha256'])
  expect(digest).toBe(
    createHash('sha256').update(readFileSync(r.outputs['zip-path']!)).digest('hex')
  )
  const manifest = JSON.parse(strFromU8(files['manifest.json']!))
  expect(manifest).toMatchObject({
    projectName: 'Sales pipeline',
    exportMode: 'MINIMAL',
    gitRef: 'refs/tags/v1.2.3',
    gitSha: '0123456789abcdef0123456789abcdef01234567',
    runId: '4242',
    packageSha256: digest
  })
  const raw = strFromU8(files['manifest.json']!)
  for (const s of [dev.apiKey, prod.apiKey, dev.clientSecret, prod.clientSecret])
    expect(raw).not.toContain(s)
  // the artifact's page, as upload-artifact links it: the run and the id the service answered
  const page = `https://github.com/acme/data-platform/actions/runs/4242/artifacts/${a.id}`
  expect(r.summary).toContain(`Artifact **${a.name}** ([download](${page}))`)
  expect(r.summary.split('\n')[2]).toContain(`[the package](${page})`)
  // the report outlives the job: a small artifact of its own, with no secret in it
  const kept = service.artifacts.find((x) => x.name === r.outputs['report-artifact-name'])!
  expect(kept.name).toBe('qlik-di-report-job-sales-pipeline-1')
  expect(kept.finalized).toBe(true)
  const reportFiles = unzipSync(new Uint8Array(kept.content!))
  expect(Object.keys(reportFiles)).toEqual(['qlik-di-promote-report.json'])
  const keptReport = strFromU8(reportFiles['qlik-di-promote-report.json']!)
  expect(JSON.parse(keptReport).outcome).toBe('succeeded')
  for (const s of [dev.apiKey, prod.apiKey, dev.clientSecret, prod.clientSecret])
    expect(keptReport).not.toContain(s)
}, 60000)

describe('build once, deploy many: two jobs, two processes', () => {
  it('an export job uploads; a separate deploy job downloads it by name, checks the digest and deploys', async () => {
    const dev = sim.tenantInfo('dev')
    const prod = sim.tenantInfo('prod')
    const exp = await runAction(
      {
        mode: 'export',
        'source-tenant': dev.url,
        'source-api-key': dev.apiKey,
        'source-project': 'Orders replication',
        'artifact-name': 'orders-release'
      },
      service.env('/tmp')
    )
    expect(exp.stdout).not.toContain('::error')
    expect(exp.code).toBe(0)
    expect(exp.outputs['artifact-name']).toBe('orders-release')
    expect(exp.outputs['target-project-id']).toBe('')
    const before = sim.requests({ tenant: 'prod' }).length

    const dep = await runAction(
      {
        mode: 'deploy',
        'artifact-name': 'orders-release',
        'target-tenant': prod.url,
        'target-api-key': prod.apiKey,
        'target-space': 'PROD_PIPELINES',
        bindings: [
          'task.replicate_orders.sourceConnection: "{{id(connection, PROD_SOURCES.orders_postgres)}}"',
          'task.replicate_orders.targetConnection: "{{id(connection, PROD_DATA.sqlserver_replica_prod)}}"'
        ].join('\n'),
        'poll-interval': '0.02'
      },
      service.env('/tmp')
    )
    expect(dep.stdout).not.toContain('::error')
    expect(dep.code).toBe(0)
    expect(dep.outputs['zip-sha256']).toBe(exp.outputs['zip-sha256'])
    expect(dep.outputs['artifact-id']).toBe(exp.outputs['artifact-id'])
    expect(dep.outputs['validate-state']).toBe('COMPLETED')
    const project = sim.state('prod').projects.find((p) => p.name === 'Orders replication')!
    expect(project).toMatchObject({ type: 'DATA_MOVEMENT', platformType: 'NONE' })
    expect(sim.requests({ tenant: 'prod' }).length).toBeGreaterThan(before)
  }, 60000)

  it('refuses a tampered artifact before any request to the target', async () => {
    const dev = sim.tenantInfo('dev')
    const prod = sim.tenantInfo('prod')
    const exp = await runAction(
      {
        mode: 'export',
        'source-tenant': dev.url,
        'source-api-key': dev.apiKey,
        'source-project': 'Sales pipeline',
        'artifact-name': 'sales-tampered'
      },
      service.env('/tmp')
    )
    expect(exp.code).toBe(0)
    // someone swaps the package inside the stored artifact
    const a = service.artifacts.find((x) => x.name === 'sales-tampered')!
    const files = unzipSync(new Uint8Array(a.content!))
    const other = unzipSync(files['sales-pipeline.zip']!)
    other['qtcp_project.yaml'] = new TextEncoder().encode(
      'properties:\n  type: DATA_PIPELINE\n  platformType: SNOWFLAKE\nsettings: {}\n'
    )
    files['sales-pipeline.zip'] = zipSync(other)
    a.content = Buffer.from(zipSync(files))
    sim.clearRequests()
    const dep = await runAction(
      {
        mode: 'deploy',
        'artifact-name': 'sales-tampered',
        'target-tenant': prod.url,
        'target-api-key': prod.apiKey,
        'target-space': 'PROD_PIPELINES'
      },
      service.env('/tmp')
    )
    expect(dep.code).not.toBe(0)
    expect(dep.stdout).toContain(
      `it was changed after the export. Refusing to deploy it.%0ANothing was changed on the target tenant ${new URL(prod.url).host}: no write was sent to it.`
    )
    expect(sim.requests({ tenant: 'prod' })).toEqual([])
  }, 60000)
})

it('deploys an artifact of another workflow run, by run id and token, through the public API', async () => {
  const dev = sim.tenantInfo('dev')
  const prod = sim.tenantInfo('prod')
  const exp = await runAction(
    {
      mode: 'export',
      'source-tenant': dev.url,
      'source-api-key': dev.apiKey,
      'source-project': 'Sales pipeline',
      'artifact-name': 'sales-from-run-4242'
    },
    { ...service.env('/tmp', 4242), GITHUB_RUN_ID: '4242' }
  )
  expect(exp.code).toBe(0)
  const dep = await runAction(
    {
      mode: 'deploy',
      'artifact-name': 'sales-from-run-4242',
      'artifact-run-id': '4242',
      'github-token': 'ghs_fake_token_for_tests_123',
      'target-tenant': prod.url,
      'target-api-key': prod.apiKey,
      'target-space': 'PROD_PIPELINES',
      bindings: PROD_BINDINGS_YAML,
      'poll-interval': '0.02'
    },
    { ...service.env('/tmp', 5000), GITHUB_RUN_ID: '5000' }
  )
  expect(dep.stdout).not.toContain('::error')
  expect(dep.code).toBe(0)
  expect(dep.outputs['zip-sha256']).toBe(exp.outputs['zip-sha256'])
  expect(service.publicAuth.some((a) => a.endsWith('ghs_fake_token_for_tests_123'))).toBe(true)
  expect(dep.stdout).toContain('::add-mask::ghs_fake_token_for_tests_123')
  const visible = dep.stdout
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n')
  expect(visible + dep.summary).not.toContain('ghs_fake_token_for_tests_123')
}, 60000)
