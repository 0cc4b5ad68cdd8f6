/* eslint-disable @typescript-eslint/no-explicit-any */
import { request } from 'undici'
import { FaultSet } from '../../src/simulator/faults.js'
import type { Simulator } from '../../src/simulator/server.js'
import { readPackage } from '../../src/simulator/engine/packages.js'
import { client, startDemo, waitForAction } from '../helpers/sim.js'

describe('fault rules', () => {
  it('match by tenant, method and path (substring and regex), after N, for M times', () => {
    const f = new FaultSet()
    f.add({
      id: 'a',
      tenant: 'prod',
      method: 'post',
      path: '/actions/export',
      after: 1,
      times: 2,
      status: 503
    })
    f.add({ id: 'b', pathRegex: '^/api/v1/spaces$', status: 500 })
    expect(f.match('dev', 'POST', '/api/v1/di-projects/x/actions/export')).toBeUndefined()
    expect(f.match('prod', 'GET', '/api/v1/di-projects/x/actions/export')).toBeUndefined()
    expect(f.match('prod', 'POST', '/api/v1/di-projects/x/actions/export')).toBeUndefined() // after: 1
    expect(f.match('prod', 'POST', '/api/v1/di-projects/x/actions/export')?.rule.id).toBe('a')
    expect(f.match('prod', 'POST', '/api/v1/di-projects/x/actions/export')?.rule.id).toBe('a')
    expect(f.match('prod', 'POST', '/api/v1/di-projects/x/actions/export')).toBeUndefined() // times: 2
    expect(f.match('dev', 'GET', '/api/v1/spaces')?.rule.id).toBe('b')
    expect(f.match('dev', 'GET', '/api/v1/spaces/1')).toBeUndefined()
    expect(f.remove('b')).toBe(true)
    expect(f.list().map((r) => r.id)).toEqual(['a'])
  })

  it('refuses invalid rules with the field named', () => {
    expect(() => new FaultSet().add({ status: 200 } as never)).toThrow(/status/)
    expect(() => new FaultSet().add({ bogus: 1 } as never)).toThrow(/invalid fault rule/)
    expect(() => new FaultSet().add({ pathRegex: '(' })).toThrow(
      /pathRegex: not a valid regular expression/
    )
  })
})

describe('faults over HTTP', () => {
  let sim: Simulator
  beforeEach(async () => {
    sim = await startDemo()
  })
  afterEach(async () => {
    await sim.close()
  })
  const salesId = (): string =>
    sim.state('dev').projects.find((p) => p.name === 'Sales pipeline')!.id

  it('answers injected 5xx in Qlik shape, then recovers', async () => {
    sim.injectFault({ path: '/api/v1/di-projects', method: 'GET', status: 503, times: 2 })
    const dev = client(sim, 'dev')
    const a = await dev('GET', '/api/v1/di-projects')
    expect(a.status).toBe(503)
    expect(a.json.errors[0]).toMatchObject({
      code: 'HTTP-503',
      title: 'Service Unavailable',
      status: 503
    })
    expect((await dev('GET', '/api/v1/di-projects')).status).toBe(503)
    expect((await dev('GET', '/api/v1/di-projects')).status).toBe(200)
    expect(sim.requests({ tenant: 'dev' }).map((r) => r.status)).toEqual([503, 503, 200])
  })

  it('bursts 429 with Retry-After and the rate-limit body', async () => {
    sim.injectFault({ status: 429, retryAfter: 7, times: 3 })
    const dev = client(sim, 'dev')
    const r = await dev('GET', '/api/v1/di-projects')
    expect(r.status).toBe(429)
    expect(r.headers.get('retry-after')).toBe('7')
    expect(r.json.errors[0]).toEqual({
      code: 'HTTP-429',
      title: 'API rate limit reached.',
      detail: 'You need to wait 7 seconds until limit is lifted.',
      status: 429
    })
  })

  it('adds latency', async () => {
    sim.injectFault({ latencyMs: 150, times: 1 })
    const t0 = Date.now()
    expect((await client(sim, 'dev')('GET', '/api/v1/spaces')).status).toBe(200)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140)
  })

  it('resets the connection mid-response', async () => {
    sim.injectFault({ path: '/actions/export', reset: true, times: 1 })
    const dev = client(sim, 'dev')
    await expect(
      dev('POST', `/api/v1/di-projects/${salesId()}/actions/export`, { mode: 'MINIMAL' })
    ).rejects.toThrow()
    expect(
      (await dev('POST', `/api/v1/di-projects/${salesId()}/actions/export`, { mode: 'MINIMAL' }))
        .status
    ).toBe(200)
  })

  it('truncates an export body silently: HTTP 200, short body, corrupt ZIP', async () => {
    const dev = client(sim, 'dev')
    const full = await dev('POST', `/api/v1/di-projects/${salesId()}/actions/export`, {
      mode: 'MINIMAL'
    })
    sim.injectFault({ path: '/actions/export', truncate: true, times: 1 })
    const info = sim.tenantInfo('dev')
    const res = await request(`${info.url}/api/v1/di-projects/${salesId()}/actions/export`, {
      method: 'POST',
      headers: { authorization: `Bearer ${info.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ mode: 'MINIMAL' })
    })
    expect(res.statusCode).toBe(200)
    const short = new Uint8Array(await res.body.arrayBuffer())
    expect(short.length).toBe(Math.floor(full.bytes.length / 2))
    expect(() => readPackage(short)).toThrow(/corrupt or truncated/)
  })

  it('forces action outcomes and actions that never finish', async () => {
    const dev = client(sim, 'dev')
    sim.injectFault({
      path: '/actions/prepare',
      actionOutcome: { state: 'CANCELED', message: 'Canceled by an administrator' },
      times: 1
    })
    const a = await dev('POST', `/api/v1/di-projects/${salesId()}/actions/prepare`, {})
    const done = await waitForAction(dev, a.json.actionId)
    expect(done.json).toMatchObject({
      state: 'CANCELED',
      error: { message: 'Canceled by an administrator' }
    })
    expect(done.json.taskProgress.canceled).toBe(4)

    sim.injectFault({
      path: '/actions/validate',
      actionOutcome: { state: 'FAILED', message: 'Validation engine crashed' },
      times: 1
    })
    const v = await waitForAction(
      dev,
      (await dev('POST', `/api/v1/di-projects/${salesId()}/actions/validate`, {})).json.actionId
    )
    expect(v.json.state).toBe('FAILED')
    expect(v.json.taskDetails[0].error.message).toBe('Validation engine crashed')

    sim.injectFault({ path: '/actions/prepare', neverFinish: true, times: 1 })
    const n = await dev('POST', `/api/v1/di-projects/${salesId()}/actions/prepare`, {})
    await expect(waitForAction(dev, n.json.actionId, 500)).rejects.toThrow(/still EXECUTING/)
    // and it blocks the project like a real running action
    expect((await dev('POST', `/api/v1/di-projects/${salesId()}/actions/prepare`, {})).status).toBe(
      409
    )
  })

  it('is controlled over HTTP under /__simulator/', async () => {
    const info = sim.tenantInfo('prod')
    const add = await fetch(`${info.url}/__simulator/faults`, {
      method: 'POST',
      body: JSON.stringify({ id: 'blip', status: 502, times: 1 })
    })
    expect(add.status).toBe(201)
    expect(
      ((await (await fetch(`${info.url}/__simulator/faults`)).json()) as any).faults[0]
    ).toMatchObject({ id: 'blip', tenant: 'prod' })
    expect((await client(sim, 'prod')('GET', '/api/v1/spaces')).status).toBe(502)
    expect((await client(sim, 'dev')('GET', '/api/v1/spaces')).status).toBe(200)
    const bad = await fetch(`${info.url}/__simulator/faults`, {
      method: 'POST',
      body: JSON.stringify({ status: 42 })
    })
    expect(bad.status).toBe(400)
    const log = (await (await fetch(`${info.url}/__simulator/requests`)).json()) as any
    expect(log.requests.map((r: { status: number }) => r.status)).toEqual([502])
    expect((await fetch(`${info.url}/__simulator/faults`, { method: 'DELETE' })).status).toBe(204)
    const state = (await (await fetch(`${info.url}/__simulator/state`)).json()) as any
    expect(state.name).toBe('prod')
    expect(JSON.stringify(state)).not.toContain(info.apiKey)
  })
})

describe('rate limits over HTTP', () => {
  it('blocks every endpoint of the tier for the credential, with Retry-After, others go on', async () => {
    const sim = await startDemo({
      rateLimits: { windowSeconds: 60, tier2PerMinute: 3, tier1PerMinute: 100 }
    })
    try {
      const dev = client(sim, 'dev')
      const id = sim.state('dev').projects[0]!.id
      for (let i = 0; i < 3; i++) {
        expect(
          (await dev('POST', `/api/v1/di-projects/${id}/actions/export`, { mode: 'MINIMAL' }))
            .status
        ).toBe(200)
      }
      const limited = await dev('POST', `/api/v1/di-projects/${id}/actions/export`, {
        mode: 'MINIMAL'
      })
      expect(limited.status).toBe(429)
      const retry = Number(limited.headers.get('retry-after'))
      expect(retry).toBeGreaterThanOrEqual(59)
      expect(retry).toBeLessThanOrEqual(60)
      expect(limited.json.errors[0].detail).toBe(
        `You need to wait ${retry} seconds until limit is lifted.`
      )
      // another tier-2 endpoint is blocked too; tier 1 is not; another credential is not
      expect(
        (await dev('PUT', `/api/v1/di-projects/${id}/bindings`, { variables: {} })).status
      ).toBe(429)
      expect((await dev('GET', '/api/v1/di-projects')).status).toBe(200)
      const tok = await fetch(`${sim.tenantInfo('dev').url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          client_id: sim.tenantInfo('dev').clientId,
          client_secret: sim.tenantInfo('dev').clientSecret,
          grant_type: 'client_credentials'
        })
      }).then((r) => r.json() as Promise<any>)
      expect(
        (
          await client(sim, 'dev', tok.access_token)(
            'POST',
            `/api/v1/di-projects/${id}/actions/export`,
            {}
          )
        ).status
      ).toBe(200)
      expect(sim.requests({ tenant: 'dev' }).filter((r) => r.rateLimited)).toHaveLength(2)
    } finally {
      await sim.close()
    }
  })
})
