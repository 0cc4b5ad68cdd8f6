import type { IncomingHttpHeaders } from 'node:http'
import type { ZodType } from 'zod'
import type { ActionEngine } from './engine/actions.js'
import type { Clock } from './clock.js'
import type { FaultRule, SimulatorConfig } from './config.js'
import { badRequest, conflict, notFound } from './errors.js'
import type { Tier } from './ratelimit.js'
import type { CloudEvent } from './engine/runtime.js'
import type { Credential, DataTask, Project, Tenant } from './state.js'
import { formatPath } from './config.js'

/** What a route handler gets and returns. */

export interface Core {
  config: SimulatorConfig
  clock: Clock
  engine: ActionEngine
  tenants: Tenant[]
  events: CloudEvent[]
  tokens: Map<string, { credential: Credential; tenant: string; expiresAt: number }>
  /** jti of every client assertion accepted (a replayed assertion is refused). */
  usedJti: Set<string>
  /** Count a request against a rate-limit tier for a key; throws 429 when over the limit. */
  rateLimit(tenant: string, key: string, tier: Tier): void
}

export interface Ctx {
  core: Core
  tenant: Tenant
  credential: Credential
  method: string
  url: URL
  params: Record<string, string>
  headers: IncomingHttpHeaders
  body: Buffer
  now: number
  /** A fault rule that matched this request and shapes an action it starts. */
  fault?: FaultRule
}

export interface Result {
  status: number
  json?: unknown
  body?: Uint8Array
  contentType?: string
  headers?: Record<string, string>
}

export type Handler = (ctx: Ctx) => Result | Promise<Result>

/** Where a route sits: the shape of @qlik/api's endpoint tables (method, path template, tier). */
export interface Endpoint {
  method: string
  path: string
  tier: Tier | 'none'
  /** Changes state: refused (403) for read-only credentials. */
  write: boolean
  /** Reachable without a credential (the OAuth token endpoint). */
  public?: boolean
}

export interface Route extends Endpoint {
  handler: Handler
}

/**
 * What a handler needs before it runs, checked in this order with Qlik's answers: the project of
 * `:projectId` (404), its data task `:dataTaskId` (404), the JSON body parsed with a schema (400
 * naming the field), and no action running on the project (409).
 */
export interface Needs<B> {
  project?: boolean
  task?: boolean
  body?: ZodType<B>
  /** An empty body is refused (else it counts as `{}`). */
  bodyRequired?: boolean
  idle?: boolean
}

/** What the needs resolved to; reading one the route did not declare is a simulator bug. */
export interface Got<B> {
  readonly project: Project
  readonly task: DataTask
  readonly body: B
}

/** How a route is reached and counted, besides its method and path. */
export type RouteSpec<B> = Omit<Endpoint, 'method' | 'path'> & Needs<B>

/**
 * A route: `'METHOD /path/:param'` as @qlik/api's endpoint tables write it, its tier and needs,
 * and a handler that gets what it declared instead of fetching and checking it itself.
 */
export function route<B = undefined>(
  endpoint: string,
  spec: RouteSpec<B>,
  handler: (ctx: Ctx, got: Got<B>) => Result | Promise<Result>
): Route {
  const [method, path] = endpoint.split(' ') as [string, string]
  const { project: p, task: t, body, bodyRequired, idle, ...rest } = spec
  return {
    method,
    path,
    ...rest,
    handler: (ctx) => {
      const proj = p || t || idle ? project(ctx) : undefined
      const tk = t && proj ? task(ctx, proj) : undefined
      const parsed = body ? jsonBody(ctx, body, bodyRequired) : undefined
      if (idle && proj) ensureIdle(ctx, proj)
      const need = <T>(v: T | undefined, what: string): T => {
        if (v === undefined) throw new Error(`route ${endpoint} did not declare ${what}`)
        return v
      }
      return handler(ctx, {
        get project() {
          return need(proj, 'project')
        },
        get task() {
          return need(tk, 'task')
        },
        get body() {
          return need(parsed, 'body')
        }
      })
    }
  }
}

export const ok = (json: unknown, status = 200, headers?: Record<string, string>): Result => ({
  status,
  json,
  ...(headers ? { headers } : {})
})

/** Parse the JSON body with a zod schema; a missing body counts as `{}` unless required. */
export function jsonBody<T>(ctx: Ctx, schema: ZodType<T>, required = false): T {
  let data: unknown = {}
  const text = ctx.body.toString('utf8').trim()
  if (text === '') {
    if (required) throw badRequest('A JSON request body is required.')
  } else {
    try {
      data = JSON.parse(text)
    } catch {
      throw badRequest('The request body is not valid JSON.')
    }
  }
  const parsed = schema.safeParse(data)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const where = issue ? formatPath(issue.path) : ''
    throw badRequest(`Invalid request body at ${where}: ${issue?.message ?? 'invalid'}`, where)
  }
  return parsed.data
}

export function boolQuery(ctx: Ctx, name: string): boolean {
  const v = ctx.url.searchParams.get(name)
  if (v === null || v === '') return false
  if (v === 'true') return true
  if (v === 'false') return false
  throw badRequest(`Query parameter '${name}' must be true or false.`, name)
}

// eslint-disable-next-line max-params -- issue 33: to take one named object (known when the rule came in)
export function intQuery(ctx: Ctx, name: string, def: number, min: number, max: number): number {
  const v = ctx.url.searchParams.get(name)
  if (v === null || v === '') return def
  const n = Number(v)
  if (!Number.isInteger(n) || n < min || n > max) {
    throw badRequest(`Query parameter '${name}' must be an integer from ${min} to ${max}.`, name)
  }
  return n
}

export function project(ctx: Ctx): Project {
  const id = ctx.params.projectId as string
  const p = ctx.tenant.projects.find((x) => x.id === id)
  if (!p) throw notFound(`Data integration project '${id}' was not found.`)
  return p
}

/** The data task of `:dataTaskId` in the project. */
export function task(ctx: Ctx, p: Project): DataTask {
  const id = ctx.params.dataTaskId as string
  const t = p.tasks.find((x) => x.id === id)
  if (!t) throw notFound(`Data task '${id}' was not found in project '${p.id}'.`)
  return t
}

/** Qlik runs one action at a time per project: another one while it runs is a 409. */
export function ensureIdle(ctx: Ctx, p: Project): void {
  const running = ctx.core.engine.running(p.id, ctx.now)
  if (running.length > 0) {
    const a = running[0]!
    throw conflict(
      `Action ${a.id} (${a.type}) is still running on project '${p.name}'; wait for it to finish.`
    )
  }
}

/** Read the `zip` field of a multipart/form-data body. */
export async function multipartZip(ctx: Ctx): Promise<Uint8Array> {
  const type = String(ctx.headers['content-type'] ?? '')
  if (!type.toLowerCase().startsWith('multipart/form-data')) {
    throw badRequest(
      `Expected a multipart/form-data body with a 'zip' field (got content type '${type || 'none'}').`
    )
  }
  let form: FormData
  try {
    form = await new Response(ctx.body, { headers: { 'content-type': type } }).formData()
  } catch (e) {
    throw badRequest(`The multipart body could not be parsed: ${(e as Error).message}`)
  }
  const field = form.get('zip')
  if (field === null) {
    const names = [...new Set([...form.keys()])].join(', ') || 'none'
    throw badRequest(`The multipart field 'zip' is missing (fields sent: ${names}).`, 'zip')
  }
  const bytes =
    typeof field === 'string'
      ? Buffer.from(field, 'binary')
      : new Uint8Array(await field.arrayBuffer())
  if (bytes.length > ctx.core.config.maxPackageBytes) {
    throw badRequest(
      `The package is ${bytes.length} bytes; the limit is ${ctx.core.config.maxPackageBytes} bytes.`,
      'zip'
    )
  }
  return bytes
}
