/**
 * One token source per kind of credential, each tested with its credential refused mid-run: an
 * API key cannot be renewed (one refused request, said as such); a client secret and a private
 * key JWT fetch a new token once after a 401 and go on; a new token refused too is said so.
 */
import { generateKeyPairSync } from 'node:crypto'
import { QlikApi } from '../../src/qlik/api.js'
import type { TenantAuth } from '../../src/qlik/auth.js'
import { QlikClient } from '../../src/qlik/client.js'
import type { Simulator } from '../../src/simulator/server.js'
import { startDemo, withJwtClientsFor } from '../helpers/sim.js'

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const ec = generateKeyPairSync('ec', { namedCurve: 'P-384' })
const pem = String(rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }))

let sim: Simulator
beforeEach(async () => {
  sim = await startDemo(withJwtClientsFor(rsa.publicKey, ec.publicKey))
})
afterEach(async () => {
  await sim.close()
})

function apiWith(auth: TenantAuth): { api: QlikApi; secrets: string[] } {
  const secrets: string[] = []
  const client = new QlikClient({
    tenant: 'target',
    baseUrl: sim.tenantInfo('prod').url,
    auth,
    sleep: async () => {},
    onSecret: (s) => secrets.push(s)
  })
  return { api: new QlikApi(client), secrets }
}

const statuses = () =>
  sim
    .requests({ tenant: 'prod' })
    .map((r) => `${r.status} ${r.path === '/oauth/token' ? 'token' : 'api'}`)

describe('token sources by kind, a credential refused mid-run', () => {
  it('API key: revoked mid-run, the next request fails once, saying the key was refused', async () => {
    const info = sim.tenantInfo('prod')
    const { api } = apiWith({ kind: 'api-key', apiKey: info.apiKey })
    await api.listProjects()
    const prod = sim.state('prod')
    prod.credentials = prod.credentials.filter((c) => c.kind !== 'api-key')
    await expect(api.listProjects()).rejects.toThrow(
      /answered 401.*The API key was refused: check that it belongs to this tenant/
    )
    expect(statuses()).toEqual(['200 api', '401 api'])
  })

  it('OAuth client secret: tokens revoked mid-run, a new one is fetched once and the run goes on', async () => {
    const info = sim.tenantInfo('prod')
    const { api, secrets } = apiWith({
      kind: 'oauth',
      clientId: info.clientId,
      clientSecret: info.clientSecret
    })
    await api.listProjects()
    sim.revokeTokens()
    await api.listProjects()
    expect(statuses()).toEqual(['200 token', '200 api', '401 api', '200 token', '200 api'])
    expect(secrets).toHaveLength(2)
  })

  it('OAuth private key JWT: tokens revoked mid-run, a new assertion gets a new token', async () => {
    const { api, secrets } = apiWith({
      kind: 'oauth-jwt',
      clientId: 'prod-rsa-client',
      privateKey: pem,
      keyId: 'rsa-2026'
    })
    await api.listProjects()
    sim.revokeTokens()
    await api.listProjects()
    expect(statuses()).toEqual(['200 token', '200 api', '401 api', '200 token', '200 api'])
    expect(secrets).toHaveLength(2)
  })

  it('a new token refused too: said once, after exactly one renewal', async () => {
    const { api } = apiWith({
      kind: 'oauth-jwt',
      clientId: 'prod-rsa-client',
      privateKey: pem,
      keyId: 'rsa-2026'
    })
    await api.listProjects()
    sim.injectFault({ tenant: 'prod', path: '/api/v1/di-projects', status: 401 })
    await expect(api.listProjects()).rejects.toThrow(
      /answered 401.*A new access token was refused too: check the OAuth client id, the key id \(kid\)/
    )
    expect(statuses()).toEqual(['200 token', '200 api', '401 api', '200 token', '401 api'])
  })
})
