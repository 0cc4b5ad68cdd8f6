import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { ActionEngine } from './actions.js'
import { systemClock, type Clock } from './clock.js'
import {
  parseConfig,
  type FaultRuleInput,
  type SimulatorConfig,
  type SimulatorConfigInput
} from './config.js'
import type { Core, Ctx, Result, Route } from './context.js'
import { diProjectRoutes } from './di-projects.js'
import { newTraceId, SimHttpError } from './errors.js'
import { FaultSet } from './faults.js'
import { platformRoutes } from './platform.js'
import { RateLimiter } from './ratelimit.js'
import { collectEvents, type CloudEvent } from './runtime.js'
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

interface CompiledRoute extends Route {
  regex: RegExp
  keys: string[]
}

const routes: CompiledRoute[] = [...platformRoutes, ...diProjectRoutes].map((r) => {
  const keys: string[] = []
  const pattern = r.path.replace(/:([A-Za-z]+)/g, (_m, k: string) => {
    keys.push(k)
    return '([^/]+)'
  })
  return { ...r, regex: new RegExp(`^${pattern}/?$`), keys }
})

const MAX_BODY = 64 * 1024 * 1024

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
          traceId
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
        return sendError(res, err, traceId)
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
      if (!res.headersSent) sendError(res, err, traceId)
      else res.destroy()
    }
  }

  private async dispatch(
    tenant: Tenant,
    req: IncomingMessage,
    url: URL,
    method: string,
    body: Buffer,
    entry: RequestLogEntry,
    fault: Ctx['fault']
  ): Promise<Result> {
    let route: CompiledRoute | undefined
    let params: Record<string, string> = {}
    let pathMatched = false
    for (const r of routes) {
      const m = r.regex.exec(url.pathname)
      if (!m) continue
      pathMatched = true
      if (r.method !== method) continue
      route = r
      params = Object.fromEntries(r.keys.map((k, i) => [k, decodeURIComponent(m[i + 1] as string)]))
      break
    }
    if (!route) {
      if (pathMatched)
        throw new SimHttpError(
          405,
          'HTTP-405',
          'Method Not Allowed',
          `${method} is not supported on ${url.pathname}.`
        )
      throw new SimHttpError(404, 'HTTP-404', 'Not Found', `No endpoint ${method} ${url.pathname}.`)
    }
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
    const path = url.pathname.replace(/^\/__simulator/, '')
    const parse = (): unknown => {
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
    if (method === 'GET' && path === '/requests') {
      const all = url.searchParams.get('all') === 'true'
      return { status: 200, json: { requests: this.requests(all ? {} : { tenant: tenant.name }) } }
    }
    if (method === 'DELETE' && path === '/requests') {
      this.clearRequests()
      return { status: 204 }
    }
    if (method === 'GET' && path === '/events') {
      return {
        status: 200,
        json: { events: this.events().filter((e) => e.tenantid === tenant.id) }
      }
    }
    if (method === 'GET' && path === '/faults')
      return { status: 200, json: { faults: this.faults.list() } }
    if (method === 'POST' && path === '/faults') {
      const input = parse() as FaultRuleInput
      try {
        const id = this.faults.add({ tenant: tenant.name, ...input })
        return { status: 201, json: { id } }
      } catch (e) {
        throw new SimHttpError(400, 'HTTP-400', 'Bad Request', (e as Error).message)
      }
    }
    if (method === 'DELETE' && path === '/faults') {
      this.faults.clear()
      return { status: 204 }
    }
    const m = /^\/faults\/(.+)$/.exec(path)
    if (method === 'DELETE' && m) {
      if (!this.faults.remove(decodeURIComponent(m[1] as string)))
        throw new SimHttpError(404, 'HTTP-404', 'Not Found', 'No such fault.')
      return { status: 204 }
    }
    if (method === 'GET' && path === '/state') {
      this.catchUp()
      const { credentials: _c, ...rest } = tenant
      return {
        status: 200,
        json: JSON.parse(JSON.stringify(rest, (_k, v: unknown) => (v instanceof Set ? [...v] : v)))
      }
    }
    if (method === 'POST' && path === '/rate-limits/reset') {
      this.resetRateLimits()
      return { status: 204 }
    }
    throw new SimHttpError(
      404,
      'HTTP-404',
      'Not Found',
      `No simulator control endpoint ${method} ${url.pathname}.`
    )
  }
}

const STATUS_TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout'
}

function rateLimitError(retryAfter: number): SimHttpError {
  return new SimHttpError(
    429,
    'HTTP-429',
    'API rate limit reached.',
    `You need to wait ${retryAfter} seconds until limit is lifted.`,
    {
      headers: { 'retry-after': String(retryAfter) }
    }
  )
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > MAX_BODY) {
        reject(
          new SimHttpError(
            413,
            'HTTP-413',
            'Payload Too Large',
            `The request body exceeds ${MAX_BODY} bytes.`
          )
        )
        req.resume()
        return
      }
      chunks.push(c)
    })
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

function sendError(res: ServerResponse, err: SimHttpError, traceId: string): void {
  sendResult(res, { status: err.status, json: err.body(traceId), headers: err.headers }, traceId)
}

function encode(result: Result): { data: Buffer | undefined; type: string | undefined } {
  if (result.body !== undefined)
    return {
      data: Buffer.from(result.body),
      type: result.contentType ?? 'application/octet-stream'
    }
  if (result.json !== undefined)
    return {
      data: Buffer.from(JSON.stringify(result.json)),
      type: 'application/json; charset=utf-8'
    }
  return { data: undefined, type: undefined }
}

function sendResult(res: ServerResponse, result: Result, traceId: string): void {
  const { data, type } = encode(result)
  const headers: Record<string, string | number> = {
    'x-qlik-trace-id': traceId,
    ...(result.headers ?? {})
  }
  if (type) headers['content-type'] = type
  headers['content-length'] = data?.length ?? 0
  res.writeHead(result.status, headers)
  res.end(data)
}

/** Faults that break the response itself: a reset mid-body, or a silently truncated body. */
function sendBroken(res: ServerResponse, result: Result, how: 'reset' | 'truncate'): void {
  const { data, type } = encode(result)
  const body = data ?? Buffer.alloc(0)
  const half = body.subarray(0, Math.floor(body.length / 2))
  if (how === 'reset') {
    res.writeHead(result.status, {
      ...(type ? { 'content-type': type } : {}),
      'content-length': body.length
    })
    res.write(half, () => setImmediate(() => res.socket?.destroy()))
    return
  }
  // Chunked, ends cleanly: nothing at the HTTP level tells the client the body is short.
  res.writeHead(result.status, {
    ...(type ? { 'content-type': type } : {}),
    'transfer-encoding': 'chunked'
  })
  res.end(half)
}
