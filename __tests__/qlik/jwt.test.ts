import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import { parseOptions, OptionsError } from '../../src/options.js'
import { clientAssertion, signingKey } from '../../src/qlik/jwt.js'
import { verifyAssertion } from '../../src/simulator/jwt-verify.js'
import type { Simulator } from '../../src/simulator/server.js'
import { runPromote } from '../helpers/pipeline.js'
import { startDemo, withJwtClientsFor } from '../helpers/sim.js'

const pem = (k: KeyObject, type: 'pkcs8' | 'spki'): string =>
  type === 'pkcs8'
    ? String(k.export({ type: 'pkcs8', format: 'pem' }))
    : String(k.export({ type: 'spki', format: 'pem' }))
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const ec = generateKeyPairSync('ec', { namedCurve: 'P-384' })

const withJwtClients = () => withJwtClientsFor(rsa.publicKey, ec.publicKey)

let sim: Simulator
beforeEach(async () => {
  sim = await startDemo(withJwtClients())
})
afterEach(async () => {
  await sim.close()
})

const jwtTarget = (clientId: string, key: string, keyId: string) => ({
  'target-api-key': '',
  'target-client-id': clientId,
  'target-private-key': key,
  'target-key-id': keyId
})

describe('OAuth private key JWT', () => {
  it('promotes with an RSA (RS256) and an EC P-384 (ES384) key: no client secret is ever sent', async () => {
    for (const [id, key, kid] of [
      ['prod-rsa-client', pem(rsa.privateKey, 'pkcs8'), 'rsa-2026'],
      ['prod-ec-client', pem(ec.privateKey, 'pkcs8'), 'ec-2026']
    ] as const) {
      const { report } = await runPromote(sim, jwtTarget(id, key, kid))
      expect(report.error).toBeUndefined()
    }
    const tokens = sim.requests({ tenant: 'prod' }).filter((r) => r.path === '/oauth/token')
    expect(tokens.length).toBeGreaterThanOrEqual(2)
    expect(tokens.every((r) => r.status === 200)).toBe(true)
  })

  it('a wrong kid or a key that is not the registered one: the server words and what to check', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const wrongKid = await runPromote(
      sim,
      jwtTarget('prod-rsa-client', pem(rsa.privateKey, 'pkcs8'), 'old-key')
    )
    expect(wrongKid.report.error).toContain('answered 401')
    expect(wrongKid.report.error).toContain('Client assertion refused: unknown kid old-key')
    expect(wrongKid.report.error).toContain('the key id (kid)')
    const wrongKey = await runPromote(
      sim,
      jwtTarget('prod-rsa-client', pem(other.privateKey, 'pkcs8'), 'rsa-2026')
    )
    expect(wrongKey.report.error).toContain(
      'the signature does not verify with the registered public key'
    )
    expect(sim.state('prod').projects).toEqual([])
  })

  it('the assertion Qlik expects: claims, header, 60 s life; the simulator refuses a replay and a wrong aud', () => {
    const key = signingKey(pem(ec.privateKey, 'pkcs8'))
    expect(key.alg).toBe('ES384')
    const jwt = clientAssertion({
      clientId: 'c',
      keyId: 'k',
      key,
      audience: 'https://acme.eu.qlikcloud.com/oauth/token/',
      nowMs: 1_700_000_000_000
    })
    const [h, c] = jwt
      .split('.')
      .slice(0, 2)
      .map((p) => JSON.parse(Buffer.from(p, 'base64url').toString()))
    expect(h).toEqual({ alg: 'ES384', kid: 'k', typ: 'JWT' })
    expect(c).toMatchObject({
      iss: 'c',
      sub: 'c',
      aud: 'https://acme.eu.qlikcloud.com/oauth/token',
      iat: 1_700_000_000,
      exp: 1_700_000_060,
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/)
    })
    const client = {
      id: 'x',
      kind: 'oauth-client' as const,
      secret: '',
      clientId: 'c',
      publicKey: pem(ec.publicKey, 'spki'),
      keyId: 'k',
      user: 'u',
      readOnly: false
    }
    const body = {
      client_id: 'c',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: jwt
    }
    const used = new Set<string>()
    const at = 1_700_000_010_000
    expect(
      verifyAssertion(body, client, 'https://acme.eu.qlikcloud.com/oauth/token', at, used)
    ).toBeUndefined()
    expect(
      verifyAssertion(body, client, 'https://acme.eu.qlikcloud.com/oauth/token', at, used)
    ).toMatch(/was already used/)
    expect(
      verifyAssertion(body, client, 'https://other.eu.qlikcloud.com/oauth/token', at, new Set())
    ).toBe('aud must be https://other.eu.qlikcloud.com/oauth/token')
    expect(
      verifyAssertion(
        body,
        client,
        'https://acme.eu.qlikcloud.com/oauth/token',
        at + 60_000,
        new Set()
      )
    ).toBe('the assertion has expired')
  })

  it('refuses unusable keys and missing pieces as bad input, never echoing the key', () => {
    const problems = (extra: Record<string, string>): string[] => {
      try {
        parseOptions({
          mode: 'deploy',
          'zip-path': 'p.zip',
          'target-tenant': 'acme.eu.qlikcloud.com',
          'target-space': 'S',
          ...extra
        })
        return []
      } catch (e) {
        return (e as OptionsError).problems
      }
    }
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 })
    const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const base = { 'target-client-id': 'c', 'target-key-id': 'k' }
    expect(problems({ ...base, 'target-private-key': pem(small.privateKey, 'pkcs8') })).toEqual([
      "Input 'target-private-key' is a 1024-bit RSA key; Qlik needs at least 2048 bits."
    ])
    expect(problems({ ...base, 'target-private-key': pem(p256.privateKey, 'pkcs8') })).toEqual([
      "Input 'target-private-key' is a ec prime256v1 key; Qlik accepts RSA (RS256, at least 2048 bits) or EC P-384 (ES384)."
    ])
    const garbage = problems({ ...base, 'target-private-key': 'not a key at all, secret-ish' })
    expect(garbage[0]).toMatch(/^Input 'target-private-key' is not a PEM private key/)
    expect(garbage.join()).not.toContain('secret-ish')
    expect(problems({ 'target-private-key': pem(rsa.privateKey, 'pkcs8') })).toEqual([
      "Input 'target-private-key' needs 'target-client-id' (the OAuth client the key belongs to) and 'target-key-id' (the kid Qlik requires in the JWT header)."
    ])
    expect(
      problems({
        ...base,
        'target-client-secret': 'abcdefgh',
        'target-private-key': pem(rsa.privateKey, 'pkcs8')
      })
    ).toEqual([
      "Inputs 'target-client-secret' and 'target-private-key' are both set: an OAuth client authenticates with one of them."
    ])
    // a key pasted with literal \n (one-line secret stores) works too
    const oneLine = pem(rsa.privateKey, 'pkcs8').replace(/\n/g, '\\n')
    expect(problems({ ...base, 'target-private-key': oneLine })).toEqual([])
  })
})
