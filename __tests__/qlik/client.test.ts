import { QlikApi } from '../../src/qlik/api.js'
import { QlikClient, parseRetryAfter, tokenLifetime } from '../../src/qlik/client.js'
import { QlikApiError } from '../../src/qlik/errors.js'
import type { Simulator } from '../../src/simulator/server.js'
import { runPromote } from '../helpers/pipeline.js'
import { startDemo } from '../helpers/sim.js'

let sim: Simulator
beforeEach(async () => {
  sim = await startDemo()
})
afterEach(async () => {
  await sim.close()
})

function makeApi(tenant: 'dev' | 'prod', kind: 'api-key' | 'oauth' = 'api-key') {
  const info = sim.tenantInfo(tenant)
  const sleeps: number[] = []
  const secrets: string[] = []
  const warnings: string[] = []
  const infos: string[] = []
  const client = new QlikClient({
    tenant: tenant === 'dev' ? 'source' : 'target',
    baseUrl: info.url,
    auth:
      kind === 'api-key'
        ? { kind, apiKey: info.apiKey }
        : { kind, clientId: info.clientId, clientSecret: info.clientSecret },
    sleep: async (ms) => {
      sleeps.push(ms)
    },
    random: () => 0.5,
    onSecret: (s) => secrets.push(s),
    logger: { debug: () => {}, info: (m) => infos.push(m), warning: (m) => warnings.push(m) }
  })
  return { api: new QlikApi(client), client, sleeps, secrets, warnings, infos }
}

const salesId = (): string => sim.state('dev').projects.find((p) => p.name === 'Sales pipeline')!.id

describe('Qlik client', () => {
  it('sits out a burst of 429s for at least Retry-After, for every method', async () => {
    sim.injectFault({ tenant: 'dev', status: 429, retryAfter: 3, times: 3 })
    const { api, sleeps, warnings, infos } = makeApi('dev')
    const zip = await api.exportProject(salesId(), 'MINIMAL', false) // a POST
    expect(zip[0]).toBe(0x50)
    expect(sleeps).toHaveLength(3)
    for (const ms of sleeps) expect(ms).toBeGreaterThanOrEqual(3000)
    // a wait the run recovers from is a line of the log, not a warning
    expect(infos[0]).toContain('rate limit reached on POST')
    expect(warnings).toEqual([])
    // the non-idempotent prepare is retried after a 429 too: a 429 means nothing happened
    sim.injectFault({
      tenant: 'dev',
      path: '/actions/prepare',
      status: 429,
      retryAfter: 1,
      times: 1
    })
    expect(await api.prepare(salesId(), false)).toMatch(/^[0-9a-f]+$/)
    expect(
      sim
        .requests({ tenant: 'dev' })
        .filter((r) => r.path.endsWith('/actions/prepare'))
        .map((r) => r.status)
    ).toEqual([429, 202])
  })

  it('gives up on a Retry-After longer than it is willing to wait, with the server words', async () => {
    sim.injectFault({ tenant: 'dev', status: 429, retryAfter: 3600, times: 1 })
    const { api } = makeApi('dev')
    await expect(api.listProjects()).rejects.toThrow(
      /source tenant 127\.0\.0\.1:\d+: GET \/api\/v1\/di-projects answered 429 API rate limit reached\.: You need to wait 3600 seconds until limit is lifted\. \(code HTTP-429, traceId [0-9a-f]{32}\)/
    )
  })

  it('retries 503 blips with backoff for safe requests', async () => {
    sim.injectFault({ tenant: 'dev', status: 503, times: 2, method: 'GET' })
    const { api, sleeps, client } = makeApi('dev')
    expect((await api.listProjects()).length).toBe(2)
    expect(sleeps).toEqual([750, 1500])
    expect(client.stats.retries).toBe(2)
  })

  it('does not blindly repeat an unsafe request after a 503: the outcome is unknown', async () => {
    sim.injectFault({ tenant: 'dev', path: '/actions/prepare', status: 503, times: 1 })
    const { api } = makeApi('dev')
    const err = await api.prepare(salesId(), false).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(QlikApiError)
    expect((err as QlikApiError).details).toMatchObject({
      status: 503,
      outcomeUnknown: true,
      code: 'HTTP-503'
    })
    expect(
      sim.requests({ tenant: 'dev' }).filter((r) => r.path.endsWith('/actions/prepare'))
    ).toHaveLength(1)
  })

  it('repeats an export whose connection was reset mid-response', async () => {
    sim.injectFault({ tenant: 'dev', path: '/actions/export', reset: true, times: 1 })
    const { api, sleeps } = makeApi('dev')
    const zip = await api.exportProject(salesId(), 'MINIMAL', false)
    expect(zip[0]).toBe(0x50)
    expect(sleeps).toHaveLength(1)
  })

  it('caches the OAuth token, masks it, and fetches a new one once on 401', async () => {
    const { api, secrets } = makeApi('prod', 'oauth')
    await api.listProjects()
    await api.findSpaces('PROD')
    const tokenCalls = () =>
      sim.requests({ tenant: 'prod' }).filter((r) => r.path === '/oauth/token').length
    expect(tokenCalls()).toBe(1)
    expect(secrets).toHaveLength(1)
    expect(secrets[0]).toMatch(/^simtok_/)
    sim.revokeTokens()
    expect((await api.listProjects()).length).toBe(0)
    expect(tokenCalls()).toBe(2)
    expect(sim.requests({ tenant: 'prod' }).map((r) => r.status)).toEqual([
      200, 200, 200, 401, 200, 200
    ])
  })

  it('refreshes the token before it expires', async () => {
    await sim.close()
    sim = await startDemo({ tokenTtlSeconds: 1 })
    let now = 0
    const info = sim.tenantInfo('prod')
    const client = new QlikClient({
      tenant: 'target',
      baseUrl: info.url,
      auth: { kind: 'oauth', clientId: info.clientId, clientSecret: info.clientSecret },
      now: () => now
    })
    const api = new QlikApi(client)
    await api.listProjects()
    now += 400
    await api.listProjects()
    now += 200 // past half of the 1 s lifetime: refresh before use
    await api.listProjects()
    expect(sim.requests({ tenant: 'prod' }).filter((r) => r.path === '/oauth/token')).toHaveLength(
      2
    )
    expect(sim.requests({ tenant: 'prod' }).every((r) => r.status === 200)).toBe(true)
    await client.close()
  })

  it('says which OAuth client was refused', async () => {
    const info = sim.tenantInfo('prod')
    const api = new QlikApi(
      new QlikClient({
        tenant: 'target',
        baseUrl: info.url,
        auth: { kind: 'oauth', clientId: info.clientId, clientSecret: 'wrong-secret' }
      })
    )
    await expect(api.listProjects()).rejects.toThrow(
      /target tenant .*: POST \/oauth\/token answered 401 invalid_client: Client authentication failed\..*Check the OAuth client id and secret/
    )
  })

  it('times out a slow answer and retries it when safe', async () => {
    sim.injectFault({ tenant: 'dev', method: 'GET', latencyMs: 1500, times: 1 })
    const info = sim.tenantInfo('dev')
    const sleeps: number[] = []
    const client = new QlikClient({
      tenant: 'source',
      baseUrl: info.url,
      auth: { kind: 'api-key', apiKey: info.apiKey },
      requestTimeoutMs: 300,
      sleep: async (ms) => {
        sleeps.push(ms)
      }
    })
    expect((await new QlikApi(client).listProjects()).length).toBe(2)
    expect(sleeps).toHaveLength(1)
    sim.injectFault({ tenant: 'dev', path: '/actions/prepare', latencyMs: 1500, times: 1 })
    await expect(new QlikApi(client).prepare(salesId(), false)).rejects.toThrow(
      /timed out; the request may or may not have been carried out/
    )
    await client.close()
  })

  it('asks a safe read again after a 500 or a 200 whose body is cut short or not JSON', async () => {
    const { api, sleeps, warnings, infos } = makeApi('prod')
    sim.injectFault({
      tenant: 'prod',
      method: 'GET',
      path: '/api/v1/spaces',
      status: 500,
      times: 1
    })
    sim.injectFault({
      tenant: 'prod',
      method: 'GET',
      path: '/api/v1/spaces',
      truncate: true,
      times: 1
    })
    const spaces = await api.findSpaces('PROD')
    expect(spaces.map((x) => x.name)).toContain('PROD_PIPELINES')
    expect(sleeps).toHaveLength(2)
    expect(infos.join('\n')).toContain('GET /api/v1/spaces answered 500; retrying')
    expect(warnings).toEqual([])
    expect(
      sim.requests({ tenant: 'prod' }).filter((r) => r.path === '/api/v1/spaces')
    ).toHaveLength(3)
  })

  it('never repeats a write after a 500: the error says its outcome is unknown', async () => {
    const { api } = makeApi('dev')
    sim.injectFault({ tenant: 'dev', path: '/actions/prepare', status: 500, times: 1 })
    const err = await api.prepare(salesId(), false).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(QlikApiError)
    expect((err as QlikApiError).details).toMatchObject({ status: 500, outcomeUnknown: true })
    expect(
      sim.requests({ tenant: 'dev' }).filter((r) => r.path.endsWith('/actions/prepare'))
    ).toHaveLength(1)
  })

  it('reads the token lifetime from expires_in, else expires_at (ISO date or epoch seconds)', () => {
    const now = Date.parse('2026-11-23T10:00:00Z')
    expect(tokenLifetime({ expires_in: 21600 }, now)).toBe(21600)
    expect(tokenLifetime({ expires_at: '2026-11-23T11:00:00Z' }, now)).toBe(3600)
    expect(tokenLifetime({ expires_at: now / 1000 + 600 }, now)).toBe(600)
    expect(tokenLifetime({}, now)).toBe(3600)
  })

  it('gets the OAuth token through the same retries as every request', async () => {
    sim.injectFault({ tenant: 'prod', path: '/oauth/token', status: 503, times: 2 })
    const { api, sleeps } = makeApi('prod', 'oauth')
    expect((await api.findSpaces('PROD')).length).toBeGreaterThan(0)
    expect(sleeps).toHaveLength(2)
    expect(sim.requests({ tenant: 'prod' }).filter((r) => r.path === '/oauth/token')).toHaveLength(
      3
    )
  })

  it('parses Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('13', 0)).toBe(13)
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 0)).toBe(10)
    expect(parseRetryAfter(undefined, 0)).toBeUndefined()
  })
})

describe('pipeline under faults', () => {
  it('re-exports a silently truncated package', async () => {
    sim.injectFault({ tenant: 'dev', path: '/actions/export', truncate: true, times: 1 })
    const { report, log } = await runPromote(sim)
    expect(report.outcome).toBe('succeeded')
    expect(log.text()).toContain(
      'The exported package is not valid (The package ZIP is corrupt or truncated'
    )
  })

  it('looks for the project after a create whose answer was lost, and creates only one', async () => {
    sim.injectFault({
      tenant: 'prod',
      method: 'POST',
      pathRegex: '^/api/v1/di-projects$',
      reset: true,
      times: 1
    })
    const { report, log } = await runPromote(sim)
    expect(report.error).toBeUndefined()
    expect(log.text()).toContain('looking for it by name before going on')
    expect(sim.state('prod').projects.filter((p) => p.name === 'Sales pipeline')).toHaveLength(1)
    expect(
      sim
        .requests({ tenant: 'prod' })
        .filter((r) => r.method === 'POST' && r.path === '/api/v1/di-projects')
    ).toHaveLength(1)
  })
})
