/** Private key JWT through dist/index.js: a multi-line PEM input, masked line by line, never printed. */
import { generateKeyPairSync } from 'node:crypto'
import type { Simulator } from '../../src/simulator/server.js'
import { runAction } from '../helpers/action.js'
import { PROD_BINDINGS_YAML } from '../helpers/pipeline.js'
import { startDemo, withJwtClientsFor } from '../helpers/sim.js'

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const ec = generateKeyPairSync('ec', { namedCurve: 'P-384' })

let sim: Simulator
beforeEach(async () => {
  sim = await startDemo(withJwtClientsFor(rsa.publicKey, ec.publicKey))
})
afterEach(async () => {
  await sim.close()
})

it('promotes with target-private-key (ES384) and masks every line of the key', async () => {
  const dev = sim.tenantInfo('dev')
  const key = String(ec.privateKey.export({ type: 'pkcs8', format: 'pem' }))
  const r = await runAction({
    'source-tenant': dev.url,
    'source-api-key': dev.apiKey,
    'source-project': 'Sales pipeline',
    'target-tenant': sim.tenantInfo('prod').url,
    'target-client-id': 'prod-ec-client',
    'target-private-key': key,
    'target-key-id': 'ec-2026',
    'target-space': 'PROD_PIPELINES',
    bindings: PROD_BINDINGS_YAML,
    'poll-interval': '0.02'
  })
  expect(r.stderr).toBe('')
  expect(r.code).toBe(0)
  expect(r.outputs['validate-state']).toBe('COMPLETED')
  const body = key.split('\n').filter((l) => l.length >= 8 && !l.startsWith('-----'))
  const masks = r.stdout.split('\n').filter((l) => l.startsWith('::add-mask::'))
  for (const line of body) expect(masks).toContain(`::add-mask::${line}`)
  // apart from the mask commands, no line of the key appears anywhere
  const rest = r.stdout
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n')
  for (const line of body) expect(rest).not.toContain(line)
  expect(r.summary).not.toContain(body[0])
}, 60000)
