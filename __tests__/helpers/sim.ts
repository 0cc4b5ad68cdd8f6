import type { KeyObject } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import type { SimulatorConfigInput } from '../../src/simulator/config.js'
import { Simulator, type StartOptions } from '../../src/simulator/server.js'

/** The demo configuration with fast timings, so tests run in milliseconds, not seconds. */
export function demoConfig(overrides: Partial<SimulatorConfigInput> = {}): SimulatorConfigInput {
  const demo = parse(
    readFileSync(new URL('../../src/simulator/demo.yaml', import.meta.url), 'utf8')
  ) as SimulatorConfigInput
  return {
    ...demo,
    timing: { actionPendingMs: 20, actionTaskMs: 25, taskRunMs: 150, taskStartingMs: 20 },
    ...overrides
  }
}

/** The demo configuration with one tenant's fields replaced or added. */
export function withTenant(
  name: string,
  patch: (tenant: Record<string, unknown>) => Record<string, unknown>
): Partial<SimulatorConfigInput> {
  const demo = demoConfig() as { tenants: Array<Record<string, unknown>> }
  return {
    tenants: demo.tenants.map((t) =>
      t.name === name ? { ...t, ...patch(t) } : t
    ) as SimulatorConfigInput['tenants']
  }
}

export async function startDemo(
  overrides: Partial<SimulatorConfigInput> = {},
  opts: StartOptions = {}
): Promise<Simulator> {
  return Simulator.start(demoConfig(overrides), opts)
}

export interface Reply {
  status: number
  headers: Headers
  json: any // eslint-disable-line @typescript-eslint/no-explicit-any
  bytes: Uint8Array
}

/** A tiny client for one tenant: path relative to the tenant's base URL, API key by default. */
export function client(sim: Simulator, tenant: string, token?: string) {
  const info = sim.tenantInfo(tenant)
  const auth = token ?? info.apiKey
  return async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {}
  ): Promise<Reply> => {
    const init: RequestInit = {
      method,
      headers: { authorization: `Bearer ${auth}`, ...headers }
    }
    if (body instanceof FormData) init.body = body
    else if (typeof body === 'string') {
      init.body = body
      ;(init.headers as Record<string, string>)['content-type'] ??= 'application/json'
    } else if (body !== undefined) {
      init.body = JSON.stringify(body)
      ;(init.headers as Record<string, string>)['content-type'] = 'application/json'
    }
    const res = await fetch(`${info.url}${path}`, init)
    const bytes = new Uint8Array(await res.arrayBuffer())
    let json: unknown
    if ((res.headers.get('content-type') ?? '').includes('json') && bytes.length > 0) {
      json = JSON.parse(Buffer.from(bytes).toString('utf8'))
    }
    return { status: res.status, headers: res.headers, json, bytes }
  }
}

/** POST /oauth/token with the tenant's client id and secret, as JSON. */
export function clientCredentials(sim: Simulator, tenant: string): Promise<Response> {
  const info = sim.tenantInfo(tenant)
  return fetch(`${info.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_id: info.clientId,
      client_secret: info.clientSecret,
      grant_type: 'client_credentials'
    })
  })
}

export function zipForm(zip: Uint8Array, field = 'zip'): FormData {
  const form = new FormData()
  form.append(field, new Blob([Buffer.from(zip)], { type: 'application/zip' }), 'project.zip')
  return form
}

/** Poll an action until it reaches a final state (test helper, bounded). */
export async function waitForAction(
  call: ReturnType<typeof client>,
  actionId: string,
  timeoutMs = 5000
): Promise<Reply> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const r = await call('GET', `/api/v1/di-projects/actions/${actionId}?detailed=true`)
    if (['COMPLETED', 'FAILED', 'CANCELED', 'SKIPPED'].includes(r.json?.state)) return r
    if (Date.now() > end) throw new Error(`action ${actionId} still ${r.json?.state}`)
    await new Promise((res) => setTimeout(res, 10))
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

const spki = (k: KeyObject): string => String(k.export({ type: 'spki', format: 'pem' }))

/** The demo with two private key JWT clients on prod: prod-rsa-client (kid rsa-2026), prod-ec-client (ec-2026). */
export function withJwtClientsFor(rsa: KeyObject, ec: KeyObject): Partial<SimulatorConfigInput> {
  return withTenant('prod', (t) => ({
    oauthClients: [
      ...(t.oauthClients as object[]),
      { clientId: 'prod-rsa-client', publicKey: spki(rsa), keyId: 'rsa-2026' },
      { clientId: 'prod-ec-client', publicKey: spki(ec), keyId: 'ec-2026' }
    ]
  }))
}

/** dev gets three projects: Hub <- Marts <- Reports (each selects datasets from the one before). */
export function threeProjects(): Partial<SimulatorConfigInput> {
  const project = (name: string, tasks: object[]) => ({
    name,
    space: 'DEV_PIPELINES',
    type: 'DATA_PIPELINE',
    platformType: 'SNOWFLAKE',
    platformConnection: 'DEV_DATA.snowflake_dev',
    tasks
  })
  return withTenant('dev', () => ({
    projects: [
      project('Hub', [
        {
          id: 'landing_hub',
          name: 'Landing hub',
          type: 'LANDING',
          sourceConnection: 'DEV_SOURCES.orders_postgres',
          datasets: ['orders']
        }
      ]),
      project('Marts', [
        {
          id: 'mart_orders',
          name: 'Orders mart',
          type: 'DATAMART',
          datasets: ['orders'],
          upstream: { project: 'Hub', task: 'landing_hub' }
        }
      ]),
      project('Reports', [
        {
          id: 'report_orders',
          name: 'Orders report',
          type: 'DATAMART',
          datasets: ['orders'],
          upstream: { project: 'Marts', task: 'mart_orders' }
        }
      ])
    ]
  }))
}

/**
 * The demo with prod's Tasks API jobs (a reload that succeeds, one that fails) and data stores
 * ANALYTICS.SALES and ANALYTICS.CUSTOMERS: what run-tasks, trigger-tasks and expect-data-stores act on.
 */
export function withDownstream(): Partial<SimulatorConfigInput> {
  return withTenant('prod', () => ({
    tasks: [
      { name: 'Reload sales app', resourceId: 'app-sales-prod', space: 'PROD_PIPELINES' },
      { name: 'Reload finance app', outcome: 'FAILED' }
    ],
    dataStores: [
      { name: 'ANALYTICS.SALES', space: 'PROD_DATA' },
      { name: 'ANALYTICS.CUSTOMERS', space: 'PROD_DATA' }
    ]
  }))
}
