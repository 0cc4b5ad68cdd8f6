/* eslint-disable max-lines -- issue 33: to be split (known when the rule came in) */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { ActionEngine } from './engine/actions.js'
import { systemClock, type Clock } from './clock.js'
import {
  parseConfig,
  type FaultRuleInput,
  type SimulatorConfig,
  type SimulatorConfigInput
} from './config.js'
import type { Core, Ctx, Result } from './context.js'
import { ADMIN_ROUTES } from './api/admin.js'
import { QLIK_ROUTES } from './api/index.js'
import { newTraceId, SimHttpError } from './errors.js'
import { FaultSet } from './faults.js'
import {
  readBody,
  rateLimitError,
  sendBroken,
  sendError,
  sendResult,
  sleep,
  STATUS_TITLES
} from './http.js'
import { compile, match } from './router.js'
import { RateLimiter } from './ratelimit.js'
import { collectEvents, type CloudEvent } from './engine/runtime.js'
import { buildTenants, type Credential, type Tenant } from './state.js'

/** One request as the simulator saw it; never holds a secret (credentials by id only). */
export interface RequestLogEntry {
  seq: number
  time: string
  tenant: string
  method: string
  path: string
  query: string
  status: number
  durationMs: number
  /** Id of the credential that authenticated the request (e.g. "dev-api-key-1"). */
  credential?: string
  /** Set when the request carried a credential of another tenant of this simulator. */
  foreignCredentialOf?: string
  fault?: string
  rateLimited?: boolean
}

export interface TenantInfo {
  name: string
  url: string
  host: string
  apiKey: string
  clientId: string
  clientSecret: string
}

export interface StartOptions {
  /** First port; tenants get consecutive ports. 0 (default) picks free ports. */
  port?: number
  host?: string
  clock?: Clock
}

const routes = compile(QLIK_ROUTES)
const adminRoutes = compile(ADMIN_ROUTES)

/** The Qlik Cloud simulator: a set of tenants, each served on its own 127.0.0.1 port. */
export class Simulator {
  readonly config: SimulatorConfig
  readonly faults = new FaultSet()
  private readonly core: Core
  private readonly limiter: RateLimiter
  private readonly servers = new Map<string, Server>()
  private readonly urls = new Map<string, string>()
  private readonly log: RequestLogEntry[] = []
  private seq = 0

  private constructor(config: SimulatorConfig, clock: Clock) {
    this.config = config
    this.core = {
      config,
      clock,
      engine: new ActionEngine(),
      tenants: buildTenants(config, clock.now()),
      events: [],
      tokens: new Map(),
      usedJti: new Set(),
      rateLimit: (tenant, key, tier) => {
        const decision = this.limiter.check(tenant, key, tier, clock.now())
        if (!decision.allowed) throw rateLimitError(decision.retryAfterSeconds)
      }
    }
    this.limiter = new RateLimiter(config.rateLimits)
    for (const f of config.faults) this.faults.add(f)
  }

  /** Validate the configuration, build the tenants and start listening. */
  static async start(
    config: SimulatorConfigInput | SimulatorConfig,
    opts: StartOptions = {}
  ): Promise<Simulator> {
    const sim = new Simulator(parseConfig(config), opts.clock ?? systemClock)
    await sim.listen(opts.port ?? 0, opts.host ?? '127.0.0.1')
    return sim
  }

  private async listen(firstPort: number, host: string): Promise<void> {
    let i = 0
    for (const tenant of this.core.tenants) {
      const server = createServer((req, res) => void this.handle(tenant, req, res))
      server.keepAliveTimeout = 5000
      const port = firstPort === 0 ? 0 : firstPort + i
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(port, host, () => {
          server.off('error', reject)
          resolve()
        })
      }).catch(async (e: Error) => {
        await this.close()
        throw new Error(
          `simulator: cannot listen on ${host}:${port} for tenant ${tenant.name}: ${e.message}`
        )
      })
      const addr = server.address() as AddressInfo
      this.servers.set(tenant.name, server)
      this.urls.set(tenant.name, `http://${host}:${addr.port}`)
      i += 1
    }
  }

  async close(): Promise<void> {
    await Promise.all(
      [...this.servers.values()].map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve())
            s.closeAllConnections()
          })
      )
    )
    this.servers.clear()
  }

  /** Base URL, host and credentials of each tenant. */
  tenants(): TenantInfo[] {
    return this.core.tenants.map((t) => {
      const key = t.credentials.find((c) => c.kind === 'api-key')
      const client = t.credentials.find((c) => c.kind === 'oauth-client')
      return {
        name: t.name,
        url: this.urls.get(t.name) ?? '',
        host: t.host,
        apiKey: key?.secret ?? '',
        clientId: client?.clientId ?? '',
        clientSecret: client?.secret ?? ''
      }
    })
  }

  tenantInfo(name: string): TenantInfo {
    const info = this.tenants().find((t) => t.name === name)
    if (!info) throw new Error(`simulator: no tenant named ${name}`)
    return info
  }

  /** The live state of a tenant (for tests to inspect or change: e.g. delete a connection). */
  state(name: string): Tenant {
    const t = this.core.tenants.find((x) => x.name === name)
    if (!t) throw new Error(`simulator: no tenant named ${name}`)
    this.catchUp()
    return t
  }

  requests(filter: { tenant?: string } = {}): RequestLogEntry[] {
    return this.log.filter((e) => !filter.tenant || e.tenant === filter.tenant)
  }

  clearRequests(): void {
    this.log.length = 0
  }

  events(): CloudEvent[] {
    this.catchUp()
    return [...this.core.events]
  }

  injectFault(rule: FaultRuleInput): string {
    return this.faults.add(rule)
  }

  /** Invalidate every OAuth access token issued so far (clients must fetch new ones). */
  revokeTokens(): void {
    this.core.tokens.clear()
  }

  /** Forget rate-limit history (e.g. between tests). */
  resetRateLimits(): void {
    this.limiter.reset()
  }

  now(): number {
    return this.core.clock.now()
  }

  private catchUp(): void {
    const now = this.core.clock.now()
    this.core.engine.settle(now)
    for (const t of this.core.tenants) collectEvents(t, now, this.config.timing, this.core.events)
  }

  private identify(
    tenant: Tenant,
    req: IncomingMessage,
    entry: RequestLogEntry
  ): Credential | undefined {
    const header = req.headers.authorization ?? ''
    const m = /^Bearer\s+(.+)$/i.exec(header)
    if (!m) return undefined
    const secret = (m[1] as string).trim()
    const key = tenant.credentials.find((c) => c.kind === 'api-key' && c.secret === secret)
    if (key) return key
    const token = this.core.tokens.get(secret)
    if (token && token.tenant === tenant.name && token.expiresAt > this.core.clock.now())
      return token.credential
    const foreign =
      this.core.tenants.find(
        (t) => t !== tenant && t.credentials.some((c) => c.secret === secret)
      ) ??
      this.core.tenants.find((t) => t.name === this.core.tokens.get(secret)?.tenant && t !== tenant)
    if (foreign) entry.foreignCredentialOf = foreign.name
    return undefined
  }

  private async handle(tenant: Tenant, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now()
    const url = new URL(req.url ?? '/', 'http://sim.invalid')
    const method = (req.method ?? 'GET').toUpperCase()
    const traceId = newTraceId()
    const entry: RequestLogEntry = {
      seq: ++this.seq,
      time: new Date(this.core.clock.now()).toISOString(),
      tenant: tenant.name,
      method,
      path: url.pathname,
      query: url.search,
      status: 0,
      durationMs: 0
    }
    const finish = (status: number): void => {
      entry.status = status
      entry.durationMs = Date.now() - started
    }
    try {
      if (url.pathname.startsWith('/__simulator/')) {
        const body = await readBody(req)
        return sendResult(res, this.admin(tenant, method, url, body), traceId)
      }
      this.log.push(entry)
      const body = await readBody(req)
      this.catchUp()
      const fault = this.faults.match(tenant.name, method, url.pathname)
      if (fault) entry.fault = fault.rule.id
      if (fault && fault.rule.latencyMs > 0) await sleep(fault.rule.latencyMs)
      if (fault?.rule.missingRoute) {
        finish(404)
        return sendError(
          res,
          new SimHttpError(404, 'HTTP-404', 'Not Found', `No endpoint ${method} ${url.pathname}.`),
          traceId,
          url.pathname
        )
      }
      if (fault?.rule.status !== undefined) {
        const s = fault.rule.status
        const err =
          s === 429
            ? rateLimitError(fault.rule.retryAfter)
            : new SimHttpError(
                s,
                `HTTP-${s}`,
                STATUS_TITLES[s] ?? 'Error',
                `Injected fault ${fault.rule.id}.`
              )
        finish(s)
        return sendError(res, err, traceId, url.pathname)
      }
      const result = await this.dispatch(tenant, req, url, method, body, entry, fault?.rule)
      if (fault?.rule.omitHeaders.length && result.headers) {
        for (const h of fault.rule.omitHeaders)
          delete (result.headers as Record<string, unknown>)[h]
      }
      finish(result.status)
      if (fault?.rule.reset || fault?.rule.truncate) {
        return sendBroken(res, result, fault.rule.reset ? 'reset' : 'truncate')
      }
      sendResult(res, result, traceId)
    } catch (e) {
      const err =
        e instanceof SimHttpError
          ? e
          : new SimHttpError(
              500,
              'HTTP-500',
              'Internal Server Error',
              `Simulator error: ${(e as Error).message}`
            )
      if (!(e instanceof SimHttpError)) console.error(`simulator: ${method} ${url.pathname}:`, e)
      finish(err.status)
      if (err.status === 429) entry.rateLimited = true
      if (!res.headersSent) sendError(res, err, traceId, url.pathname)
      else res.destroy()
    }
  }

  // eslint-disable-next-line max-params -- issue 33: to take one named object (known when the rule came in)
  private async dispatch(
    tenant: Tenant,
    req: IncomingMessage,
    url: URL,
    method: string,
    body: Buffer,
    entry: RequestLogEntry,
    fault: Ctx['fault']
  ): Promise<Result> {
    const { route, params } = match(routes, method, url.pathname)
    let credential: Credential | undefined
    if (!route.public) {
      credential = this.identify(tenant, req, entry)
      if (!credential) {
        throw new SimHttpError(
          401,
          'HTTP-401',
          'Unauthorized',
          req.headers.authorization
            ? 'The bearer token is invalid or has expired.'
            : 'No bearer token was sent (Authorization: Bearer <API key or access token>).'
        )
      }
      entry.credential = credential.id
      if (route.write && credential.readOnly) {
        throw new SimHttpError(
          403,
          'HTTP-403',
          'Forbidden',
          `The credential ${credential.id} may not change resources in tenant ${tenant.host}.`
        )
      }
      if (route.tier !== 'none') {
        const decision = this.limiter.check(
          tenant.name,
          credential.id,
          route.tier,
          this.core.clock.now()
        )
        if (!decision.allowed) throw rateLimitError(decision.retryAfterSeconds)
      }
    }
    const ctx: Ctx = {
      core: this.core,
      tenant,
      credential:
        credential ??
        ({
          id: 'anonymous',
          kind: 'api-key',
          secret: '',
          user: 'anonymous',
          readOnly: true
        } as Credential),
      method,
      url,
      params,
      headers: req.headers,
      body,
      now: this.core.clock.now(),
      ...(fault ? { fault } : {})
    }
    return route.handler(ctx)
  }

  /** Control endpoints under /__simulator/ (not part of Qlik's API; no auth, no faults, not logged). */
  private admin(tenant: Tenant, method: string, url: URL, body: Buffer): Result {
    const { route, params } = match(adminRoutes, method, url.pathname, {
      no405: true,
      notFound: `No simulator control endpoint ${method} ${url.pathname}.`
    })
    return route.handler({
      sim: this,
      tenant,
      url,
      params,
      json: () => {
        try {
          return JSON.parse(body.toString('utf8') || '{}')
        } catch {
          throw new SimHttpError(
            400,
            'HTTP-400',
            'Bad Request',
            'The request body is not valid JSON.'
          )
        }
      }
    })
  }
}
