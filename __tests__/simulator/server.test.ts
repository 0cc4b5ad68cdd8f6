/* eslint-disable @typescript-eslint/no-explicit-any */
import type { Simulator } from '../../src/simulator/server.js'
import { client, clientCredentials, startDemo, zipForm, type Reply } from '../helpers/sim.js'

let sim: Simulator
beforeEach(async () => {
  sim = await startDemo()
})
afterEach(async () => {
  await sim.close()
})

const expectQlikError = (r: Reply, status: number): void => {
  expect(r.status).toBe(status)
  expect(r.json).toEqual({
    errors: [
      expect.objectContaining({ code: expect.any(String), title: expect.any(String), status })
    ],
    traceId: expect.stringMatching(/^[0-9a-f]{32}$/)
  })
}

describe('authentication and errors', () => {
  it('answers 401 in Qlik shape without or with a wrong credential, and names a foreign one in the log', async () => {
    const info = sim.tenantInfo('prod')
    const none = await fetch(`${info.url}/api/v1/di-projects`)
    expect(none.status).toBe(401)
    const body = (await none.json()) as any
    expect(body.errors[0]).toMatchObject({ code: 'HTTP-401', title: 'Unauthorized', status: 401 })
    expectQlikError(await client(sim, 'prod', 'wrong-key')('GET', '/api/v1/di-projects'), 401)
    // the dev key sent to prod: refused, and the log says whose it was (never the key itself)
    const devKey = sim.tenantInfo('dev').apiKey
    expectQlikError(await client(sim, 'prod', devKey)('GET', '/api/v1/di-projects'), 401)
    const last = sim.requests({ tenant: 'prod' }).at(-1)!
    expect(last).toMatchObject({ status: 401, foreignCredentialOf: 'dev' })
    expect(JSON.stringify(sim.requests())).not.toContain(devKey)
  })

  it('issues 6-hour OAuth tokens for client credentials (JSON or form) and accepts them', async () => {
    const info = sim.tenantInfo('dev')
    const res = await clientCredentials(sim, 'dev')
    expect(res.status).toBe(200)
    const tok = (await res.json()) as any
    expect(tok).toMatchObject({
      token_type: 'bearer',
      expires_in: 21600,
      access_token: expect.any(String)
    })
    expect(Date.parse(tok.expires_at)).toBeGreaterThan(Date.now() + 21500_000)
    const r = await client(sim, 'dev', tok.access_token)('GET', '/api/v1/di-projects')
    expect(r.status).toBe(200)
    expect(sim.requests({ tenant: 'dev' }).at(-1)?.credential).toBe('dev-oauth-client-1')
    // a dev token is no good on prod
    expect((await client(sim, 'prod', tok.access_token)('GET', '/api/v1/di-projects')).status).toBe(
      401
    )

    const form = await fetch(`${info.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: info.clientId,
        client_secret: 'nope-nope',
        grant_type: 'client_credentials'
      })
    })
    expect(form.status).toBe(401)
    expect(((await form.json()) as any).errors[0].title).toBe('invalid_client')
    const grant = await fetch(`${info.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_id: info.clientId,
        client_secret: info.clientSecret,
        grant_type: 'password'
      })
    })
    expect(grant.status).toBe(400)
  })

  it('answers 403 to a read-only credential that tries to write', async () => {
    await sim.close()
    sim = await startDemo({
      tenants: [
        {
          name: 'ro',
          apiKeys: [{ key: 'read-only-key-1', readOnly: true }],
          spaces: [{ name: 'S' }]
        }
      ]
    })
    const ro = client(sim, 'ro')
    expect((await ro('GET', '/api/v1/di-projects')).status).toBe(200)
    expectQlikError(await ro('POST', '/api/v1/di-projects', { name: 'x', space: 'y' }), 403)
  })

  it('never crashes on malformed requests: 400/404/405 in Qlik shape', async () => {
    const dev = client(sim, 'dev')
    expectQlikError(await dev('POST', '/api/v1/di-projects', '{not json'), 400)
    expectQlikError(await dev('POST', '/api/v1/di-projects', { name: 3 }), 400)
    expectQlikError(await dev('POST', '/api/v1/di-projects', ''), 400)
    expectQlikError(await dev('GET', '/api/v1/di-projects/nope'), 404)
    expectQlikError(await dev('GET', '/api/v1/nothing-here'), 404)
    expectQlikError(await dev('DELETE', '/api/v1/di-projects'), 405)
    // each API's own error shape: spaces' items carry no status, their source under meta
    const spaces = await dev('GET', '/api/v1/spaces?limit=abc')
    expect(spaces.status).toBe(400)
    expect(spaces.json).toEqual({
      errors: [
        {
          code: 'HTTP-400',
          title: 'Bad Request',
          detail: expect.any(String),
          meta: { source: { parameter: 'limit' } }
        }
      ],
      traceId: expect.stringMatching(/^[0-9a-f]{32}$/)
    })
    expectQlikError(
      await dev(
        'GET',
        `/api/v1/di-projects/${(await dev('GET', '/api/v1/di-projects')).json.projects[0].id}/bindings?recalculate=maybe`
      ),
      400
    )
    const list = await dev('GET', '/api/v1/di-projects')
    const id = list.json.projects[0].id
    expectQlikError(
      await dev('POST', `/api/v1/di-projects/${id}/actions/import-async`, 'x', {
        'content-type': 'text/plain'
      }),
      400
    )
    const wrongField = await dev(
      'POST',
      `/api/v1/di-projects/${id}/actions/import-async`,
      zipForm(new Uint8Array([1, 2]), 'file')
    )
    expectQlikError(wrongField, 400)
    expect(wrongField.json.errors[0].detail).toContain("'zip' is missing (fields sent: file)")
    expectQlikError(
      await dev(
        'POST',
        `/api/v1/di-projects/${id}/actions/import-async`,
        zipForm(new Uint8Array(100))
      ),
      400
    )
    expectQlikError(
      await dev('POST', `/api/v1/di-projects/${id}/actions/export`, { mode: 'XML' }),
      400
    )
    expectQlikError(await dev('POST', `/api/v1/di-projects/${id}/bindings`, {}), 405)
    expectQlikError(
      await dev('PUT', `/api/v1/di-projects/${id}/bindings`, { variables: { a: 1 } }),
      400
    )
    // still alive
    expect((await dev('GET', '/api/v1/di-projects')).status).toBe(200)
  })
})

describe('spaces', () => {
  it('finds spaces by case-insensitive substring, pages with links.next, and by id', async () => {
    const dev = client(sim, 'dev')
    const r = await dev('GET', '/api/v1/spaces?name=dev_')
    expect(r.json.data.map((s: { name: string }) => s.name).sort()).toEqual([
      'DEV_DATA',
      'DEV_PIPELINES',
      'DEV_SOURCES'
    ])
    expect(r.json.meta.count).toBe(3)
    const p1 = await dev('GET', '/api/v1/spaces?limit=2')
    expect(p1.json.data).toHaveLength(2)
    const next = new URL(p1.json.links.next.href)
    const p2 = await dev('GET', `${next.pathname}${next.search}`)
    expect(p2.json.data).toHaveLength(1)
    expect(p2.json.links.next).toBeUndefined()
    const one = await dev('GET', `/api/v1/spaces/${r.json.data[0].id}`)
    expect(one.json).toMatchObject({
      id: r.json.data[0].id,
      type: expect.any(String),
      tenantId: expect.any(String)
    })
    expect((await dev('GET', '/api/v1/spaces/unknown')).status).toBe(404)
  })
})

describe('runtime, events and the Tasks API', () => {
  it('runs a batch task to COMPLETED, keeps a CDC task RUNNING until stopped, and records events', async () => {
    const dev = client(sim, 'dev')
    const sales = sim.state('dev').projects.find((p) => p.name === 'Sales pipeline')!
    const repl = sim.state('dev').projects.find((p) => p.name === 'Orders replication')!
    const base = `/api/v1/di-projects/${sales.id}/di-tasks/landing_orders/runtime`
    expect((await dev('GET', `${base}/state`)).json.runReadiness.state).toBe('READY_TO_RUN')
    expect((await dev('POST', `${base}/actions/start`)).status).toBe(204)
    expect((await dev('POST', `${base}/actions/start`)).status).toBe(400)
    const cdc = `/api/v1/di-projects/${repl.id}/di-tasks/replicate_orders/runtime`
    expect(
      (
        await dev('POST', `${cdc}/actions/start`, {
          option: 'PROCESS_CHANGES_FROM_TIMESTAMP',
          processChangesFrom: '2026-01-01T00:00:00Z'
        })
      ).status
    ).toBe(204)
    await new Promise((r) => setTimeout(r, 400))
    const st = await dev('GET', `${base}/state`)
    expect(st.json.lastRun).toMatchObject({
      state: 'COMPLETED',
      duration: expect.stringMatching(/^\d\d:\d\d:\d\d$/)
    })
    expect((await dev('GET', `${cdc}/state`)).json.lastRun.state).toBe('RUNNING')
    const ds = await dev('GET', `${base}/state/datasets`)
    expect(
      ds.json.datasets.map((d: { name: string; dataReadiness: string }) => [
        d.name,
        d.dataReadiness
      ])
    ).toEqual([
      ['orders', 'READY'],
      ['order_lines', 'READY']
    ])
    expect((await dev('POST', `${cdc}/actions/stop`)).status).toBe(204)
    await new Promise((r) => setTimeout(r, 150))
    expect((await dev('GET', `${cdc}/state`)).json.lastRun.state).toBe('CANCELED')

    const search = await dev('POST', `${base}/runs/actions/search`, { limit: 5 })
    expect(search.json.runs).toHaveLength(1)
    const runId = search.json.runs[0].runId
    expect((await dev('GET', `${base}/runs/${runId}/state`)).json.lastRun.state).toBe('COMPLETED')
    expect((await dev('GET', `${base}/runs/${runId}/state/datasets`)).json.datasets).toHaveLength(2)

    const types = sim
      .events()
      .map(
        (e) =>
          `${e.data.dataTask && (e.data.dataTask as { id: string }).id}:${e.type.split('.').pop()}`
      )
    expect(types).toEqual(
      expect.arrayContaining([
        'landing_orders:started',
        'landing_orders:completed',
        'replicate_orders:started',
        'replicate_orders:stopped'
      ])
    )
    const completed = sim.events().find((e) => e.type.endsWith('completed'))!
    expect(completed).toMatchObject({
      specversion: '1.0',
      source: 'com.qlik/data-app-design',
      datacontenttype: 'application/json'
    })
    expect(completed.data).toMatchObject({
      dataTask: { projectId: sales.id, type: 'LANDING' },
      startTime: expect.any(String),
      endTime: expect.any(String)
    })
  })

  it('records a failed event with error details for a failing run', async () => {
    await sim.close()
    sim = await startDemo({
      tenants: [
        {
          name: 'qa',
          spaces: [{ name: 'S' }],
          projects: [
            {
              name: 'P',
              space: 'S',
              tasks: [{ id: 't1', name: 'T1', failRun: 'tables failed to load: orders' }]
            }
          ]
        }
      ]
    })
    const qa = client(sim, 'qa')
    const p = sim.state('qa').projects[0]!
    await qa('POST', `/api/v1/di-projects/${p.id}/di-tasks/t1/runtime/actions/start`)
    await new Promise((r) => setTimeout(r, 300))
    const st = await qa('GET', `/api/v1/di-projects/${p.id}/di-tasks/t1/runtime/state`)
    expect(st.json.lastRun).toMatchObject({
      state: 'FAILED',
      message: 'tables failed to load: orders'
    })
    const failed = sim.events().find((e) => e.type === 'com.qlik.v1.di-projects.di-tasks.failed')!
    expect(failed.data).toMatchObject({
      errorMessage: 'tables failed to load: orders',
      errorDetails: { status: 500 }
    })
  })

  it('starts a Tasks API task and reports its runs', async () => {
    const dev = client(sim, 'dev')
    const list = await dev('GET', '/api/v1/tasks')
    expect(list.json.data).toHaveLength(1)
    const id = list.json.data[0].id
    expect((await dev('GET', `/api/v1/tasks/${id}/runs/last`)).status).toBe(404)
    const start = await dev('POST', `/api/v1/tasks/${id}/actions/start?source=manual`)
    expect(start.status).toBe(200)
    expect((await dev('GET', `/api/v1/tasks/${id}/runs/last`)).json.status).toBe('RUNNING')
    await new Promise((r) => setTimeout(r, 200))
    const last = await dev('GET', `/api/v1/tasks/${id}/runs/last`)
    expect(last.json).toMatchObject({
      status: 'SUCCEEDED',
      taskId: id,
      endedAt: expect.any(String)
    })
    expect((await dev('GET', `/api/v1/tasks/${id}/runs`)).json.data).toHaveLength(1)
    // Qlik's spec: JSON { logContent } by default, the raw log for Accept: text/plain
    const logPath = `/api/v1/tasks/${id}/runs/${last.json.id}/log`
    const json = await dev('GET', logPath)
    expect(json.headers.get('content-type')).toMatch(/^application\/json/)
    expect(json.json.logContent).toContain('SUCCEEDED')
    const text = await dev('GET', logPath, undefined, { accept: 'text/plain' })
    expect(text.headers.get('content-type')).toMatch(/^text\/plain/)
    expect(Buffer.from(text.bytes).toString()).toBe(json.json.logContent)
    // the product reads either answer as the log's text
    const { QlikApi } = await import('../../src/qlik/api.js')
    const { QlikClient } = await import('../../src/qlik/client.js')
    const info = sim.tenantInfo('dev')
    const api = new QlikApi(
      new QlikClient({
        tenant: 'source',
        baseUrl: info.url,
        auth: { kind: 'api-key', apiKey: info.apiKey },
        sleep: async () => {},
        now: () => Date.now()
      })
    )
    expect(await api.qlikTaskRunLog(id, last.json.id)).toBe(json.json.logContent)
  })

  it('reads a run log answered as JSON although text was asked for: its logContent, not JSON text', async () => {
    const { QlikApi } = await import('../../src/qlik/api.js')
    const answer = (contentType: string, body: string) =>
      new QlikApi({
        request: async () => ({
          status: 200,
          headers: { 'content-type': contentType },
          data: undefined,
          bytes: new Uint8Array(Buffer.from(body))
        })
      } as never)
    expect(
      await answer('application/json', '{"logContent":"line 1\\nline 2"}').qlikTaskRunLog('t', 'r')
    ).toBe('line 1\nline 2')
    expect(await answer('text/plain', '{"logContent":"x"}').qlikTaskRunLog('t', 'r')).toBe(
      '{"logContent":"x"}'
    )
    expect(await answer('application/json', 'not json').qlikTaskRunLog('t', 'r')).toBe('not json')
  })

  it('lists data stores paged', async () => {
    const dev = client(sim, 'dev')
    const r = await dev('GET', '/api/v1/data-stores?limit=2')
    expect(r.json).toMatchObject({ limit: 2, page: 0, total: 5, pages: 3 })
    expect(r.json.links.next.href).toContain('page=1')
  })
})
