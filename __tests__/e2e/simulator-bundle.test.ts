/* eslint-disable @typescript-eslint/no-explicit-any */
/**
 * The bundled simulator (dist/simulator/index.js), run with E2E_NODE (Node 24 in .ci/run), serving
 * a whole promotion by plain HTTP: export from dev, create in prod, bindings, import-async, prepare,
 * validate, then a clean stop.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { E2E_NODE, ROOT, startBundledSimulator, type TenantLine } from '../helpers/bundle.js'

function api(t: TenantLine) {
  return async (
    method: string,
    path: string,
    body?: unknown
  ): Promise<{ status: number; json: any; bytes: Uint8Array }> => {
    const headers: Record<string, string> = { authorization: `Bearer ${t.apiKey}` }
    let payload: RequestInit['body']
    if (body instanceof FormData) payload = body
    else if (body !== undefined) {
      payload = JSON.stringify(body)
      headers['content-type'] = 'application/json'
    }
    const res = await fetch(`${t.url}${path}`, {
      method,
      headers,
      ...(payload ? { body: payload } : {})
    })
    const bytes = new Uint8Array(await res.arrayBuffer())
    const json =
      (res.headers.get('content-type') ?? '').includes('json') && bytes.length
        ? JSON.parse(Buffer.from(bytes).toString())
        : undefined
    return { status: res.status, json, bytes }
  }
}

async function waitDone(call: ReturnType<typeof api>, actionId: string): Promise<any> {
  for (let i = 0; i < 400; i++) {
    const r = await call('GET', `/api/v1/di-projects/actions/${actionId}?detailed=true`)
    if (!['PENDING', 'EXECUTING'].includes(r.json.state)) return r.json
    await new Promise((res) => setTimeout(res, 25))
  }
  throw new Error(`action ${actionId} did not finish`)
}

it(`serves a full promotion from the bundle (node ${E2E_NODE})`, async () => {
  const sim = await startBundledSimulator()
  try {
    const dev = api(sim.tenants.dev!)
    const prod = api(sim.tenants.prod!)
    const src = (await dev('GET', '/api/v1/di-projects')).json.projects.find(
      (p: any) => p.name === 'Sales pipeline'
    )
    const zip = (
      await dev('POST', `/api/v1/di-projects/${src.id}/actions/export`, { mode: 'MINIMAL' })
    ).bytes
    const space = (await prod('GET', '/api/v1/spaces?name=PROD_PIPELINES')).json.data[0]
    const created = await prod('POST', '/api/v1/di-projects', {
      name: src.name,
      type: 'DATA_PIPELINE',
      platformType: 'SNOWFLAKE',
      space: space.id
    })
    expect(created.status).toBe(201)
    const id = created.json.id
    const put = await prod('PUT', `/api/v1/di-projects/${id}/bindings`, {
      variables: {
        projectName: src.name,
        platformConnection: '{{id(connection, PROD_DATA.snowflake_prod)}}',
        cloudStagingConnection: '{{id(connection, PROD_DATA.s3_staging_prod)}}',
        'task.landing_orders.sourceConnection': '{{id(connection, PROD_SOURCES.orders_postgres)}}',
        'task.landing_crm.sourceConnection': '{{id(connection, PROD_SOURCES.crm_mysql)}}',
        'task-type.storage.databaseName': 'ANALYTICS',
        'project.current.prefixSchema': null
      }
    })
    expect(put.status).toBe(200)
    const form = new FormData()
    form.append('zip', new Blob([Buffer.from(zip)]), 'p.zip')
    const imp = await prod('POST', `/api/v1/di-projects/${id}/actions/import-async`, form)
    expect(imp.status).toBe(202)
    expect((await waitDone(prod, imp.json.actionId)).state).toBe('COMPLETED')
    const prep = await prod('POST', `/api/v1/di-projects/${id}/actions/prepare`, {
      allowRecreate: false
    })
    expect((await waitDone(prod, prep.json.actionId)).state).toBe('COMPLETED')
    const val = await prod('POST', `/api/v1/di-projects/${id}/actions/validate`, {})
    const done = await waitDone(prod, val.json.actionId)
    expect(done).toMatchObject({ state: 'COMPLETED', taskProgress: { completed: 4 } })
  } finally {
    const { code, stderr } = await sim.stop()
    expect(code).toBe(0)
    expect(stderr).toContain('simulator: stopped')
  }
}, 60000)

it('qlik-di-promote simulator: the command line serves it and prints a promotion that works as pasted', async () => {
  const sim = await startBundledSimulator([], ['dist/cli/index.js', 'simulator'])
  try {
    for (let i = 0; i < 200 && !sim.stderr().includes('prod-bindings.yaml\n'); i++)
      await new Promise((r) => setTimeout(r, 25))
    const text = sim.stderr()
    expect(text).toContain(`Simulator ready: tenants dev (${sim.tenants.dev!.url})`)
    // the lines a person pastes, run as they are (npx replaced by the bundle under test)
    const script = text
      .slice(text.indexOf('export QLIK_SOURCE_API_KEY'), text.indexOf('\nAdd --dry-run'))
      .replaceAll('npx qlik-di-promote', `"${E2E_NODE}" "${join(ROOT, 'dist/cli/index.js')}"`)
    const r = spawnSync('bash', ['--norc', '--noprofile', '-c', script], {
      cwd: mkdtempSync(join(tmpdir(), 'qdp-try-')),
      env: { PATH: process.env.PATH ?? '' },
      encoding: 'utf8'
    })
    expect(r.status).toBe(0)
    // the progress goes to stderr; no warning or error among it
    expect(r.stderr).not.toMatch(/warning|error/i)
    expect(r.stdout).toMatch(/\nPROMOTED in [\d.]+ s\n/)
  } finally {
    await sim.stop()
  }
}, 60000)
