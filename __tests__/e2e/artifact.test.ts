/**
 * The package goes through the real @actions/artifact client (inside dist/index.js) to a local fake
 * of the artifact service; the uploaded ZIP holds the exact exported package and a manifest.
 */
import { createHash } from 'node:crypto'
import { unzipSync, strFromU8 } from 'fflate'
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
    service.env('/tmp')
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
  expect(r.summary).toContain(`Artifact **${a.name}** (github`)
}, 60000)
