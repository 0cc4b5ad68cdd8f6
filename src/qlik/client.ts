/* eslint-disable max-lines -- issue 33: to be split (known when the rule came in) */
import { guardedLookup } from './address-guard.js'
import { Agent, errors as undiciErrors, request, type Dispatcher, type FormData } from 'undici'
import { tierOf, type RequestBudget } from './budget.js'
import { tokenSource, type TenantAuth, type TokenAnswer, type TokenSource } from './auth.js'
import {
  decodeErrorBody,
  describeQlikError,
  QlikApiError,
  type QlikErrorDetails
} from './errors.js'

export type { TenantAuth }

/**
 * HTTP client for one Qlik tenant (undici). Authenticates through the token source of its kind of
 * credential (auth.ts: an API key, or an OAuth token cached, refreshed before expiry, fetched anew
 * once after a 401). Every request has
 * a timeout. A 429 is retried after Retry-After for every method (it means nothing happened).
 * 500/502/503/504, resets, timeouts and a 2xx body that is cut short or not JSON are retried with
 * backoff and jitter only when the request is safe to repeat; otherwise the error says the
 * outcome is unknown, so the caller can look first. One loop serves every request, the OAuth
 * token request included.
 */

export interface ClientLogger {
  debug(message: string): void
  /** A retry or a rate-limit wait: a line of the log, not a warning (most end in success). */
  info?(message: string): void
  warning(message: string): void
}

export interface QlikClientOptions {
  /** "source" or "target": named in every error. */
  tenant: string
  baseUrl: string
  auth: TenantAuth
  requestTimeoutMs?: number
  /** Attempts for retryable failures of safe requests (5xx, resets, timeouts). */
  maxAttempts?: number
  /** Most 429 answers to sit out for one request. */
  max429Retries?: number
  /** Longest single Retry-After wait honoured (s); longer ones fail with the server's words. */
  maxRetryAfterSeconds?: number
  sleep?: (ms: number) => Promise<void>
  now?: () => number
  random?: () => number
  logger?: ClientLogger
  /** Called with every secret the client obtains (OAuth access tokens), to mask it. */
  onSecret?: (secret: string) => void
  dispatcher?: Dispatcher
  /** The run's budget for this tenant and credential: requests wait for room instead of a 429. */
  budget?: RequestBudget
}

export interface RequestSpec {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE'
  path: string
  query?: Record<string, string | boolean | number | undefined>
  /** A JSON body, or a function giving it afresh for each attempt. */
  json?: unknown
  form?: FormData
  accept?: string
  /** Safe to send again after a 5xx, reset or timeout (GETs, PUT of a full set, read-only POSTs). */
  idempotent: boolean
  timeoutMs?: number
  /** Answer body wanted as bytes (export) instead of JSON. */
  binary?: boolean
  /** Statuses that are answers, not errors (e.g. 404 when looking something up). */
  okStatuses?: number[]
  /** Send without the Authorization header (the OAuth token request itself). */
  anonymous?: boolean
}

export interface Reply<T = unknown> {
  status: number
  headers: Record<string, string | string[] | undefined>
  data: T
  bytes?: Uint8Array
}

export interface ClientStats {
  requests: number
  retries: number
  rateLimited: number
  byRoute: Record<string, number>
}

const RETRYABLE_STATUS = new Set([500, 502, 503, 504])
const sleepReal = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

export function parseRetryAfter(
  value: string | string[] | undefined,
  now: number
): number | undefined {
  const v = Array.isArray(value) ? value[0] : value
  if (v === undefined || v.trim() === '') return undefined
  const secs = Number(v)
  if (Number.isFinite(secs)) return Math.max(0, secs)
  const date = Date.parse(v)
  return Number.isFinite(date) ? Math.max(0, (date - now) / 1000) : undefined
}

export class QlikClient {
  readonly tenant: string
  readonly baseUrl: string
  readonly host: string
  readonly stats: ClientStats = { requests: 0, retries: 0, rateLimited: 0, byRoute: {} }

  /** The run's budget for this tenant and credential, if it has one. */
  get budget(): RequestBudget | undefined {
    return this.options.budget
  }
  private readonly opts: Required<
    Pick<
      QlikClientOptions,
      | 'requestTimeoutMs'
      | 'maxAttempts'
      | 'max429Retries'
      | 'maxRetryAfterSeconds'
      | 'sleep'
      | 'now'
      | 'random'
    >
  >
  private readonly logger: ClientLogger
  private readonly dispatcher: Dispatcher
  private readonly auth: TokenSource

  constructor(private readonly options: QlikClientOptions) {
    this.tenant = options.tenant
    this.baseUrl = options.baseUrl.replace(/\/+$/, '')
    this.host = new URL(this.baseUrl).host
    this.opts = {
      requestTimeoutMs: options.requestTimeoutMs ?? 60_000,
      maxAttempts: options.maxAttempts ?? 5,
      max429Retries: options.max429Retries ?? 20,
      maxRetryAfterSeconds: options.maxRetryAfterSeconds ?? 330,
      sleep: options.sleep ?? sleepReal,
      now: options.now ?? Date.now,
      random: options.random ?? Math.random
    }
    this.logger = options.logger ?? { debug: () => {}, warning: () => {} }
    this.dispatcher =
      options.dispatcher ??
      new Agent({
        connect: { timeout: 30_000, lookup: guardedLookup },
        keepAliveTimeout: 4_000
      })
    this.auth = tokenSource(options.auth, {
      baseUrl: this.baseUrl,
      now: () => this.opts.now(),
      requestToken: (body) => this.requestToken(body),
      ...(options.onSecret ? { onSecret: options.onSecret } : {})
    })
  }

  async close(): Promise<void> {
    if (!this.options.dispatcher) await this.dispatcher.close()
  }

  private details(
    spec: Pick<RequestSpec, 'method' | 'path'>,
    extra: Partial<QlikErrorDetails> = {}
  ): QlikErrorDetails {
    return { tenant: this.tenant, host: this.host, method: spec.method, path: spec.path, ...extra }
  }

  /** POST /oauth/token (safe to repeat: asking for a token changes nothing). */
  private async requestToken(body: () => Record<string, unknown>): Promise<TokenAnswer> {
    const spec = { method: 'POST' as const, path: '/oauth/token' }
    let r: Reply<{ access_token?: unknown; expires_in?: unknown; expires_at?: unknown }>
    try {
      r = await this.request({ ...spec, anonymous: true, idempotent: true, json: body })
    } catch (e) {
      if (!(e instanceof QlikApiError)) throw e
      const hint = e.status === 401 || e.status === 400 ? ` ${this.auth.tokenRefused}` : ''
      throw new QlikApiError(`${e.message.replace(/\.$/, '')}.${hint}`, e.details)
    }
    const token = r.data?.access_token
    if (typeof token !== 'string') {
      const d = this.details(spec, { status: r.status })
      throw new QlikApiError(describeQlikError(d, 'the token answer has no access_token'), d)
    }
    return { token, ttl: tokenLifetime(r.data, this.opts.now()) }
  }

  /** A retry or a wait that the run recovers from: info (a failure that follows says the rest). */
  private note(message: string): void {
    if (this.logger.info) this.logger.info(message)
    else this.logger.warning(message)
  }

  private async backoff(
    attempt: number,
    spec: Pick<RequestSpec, 'method' | 'path'>,
    why: string
  ): Promise<void> {
    const base = Math.min(30_000, 1000 * 2 ** (attempt - 1))
    const ms = Math.round(base / 2 + this.opts.random() * (base / 2))
    this.stats.retries += 1
    this.note(
      `${this.tenant} tenant ${this.host}: ${spec.method} ${spec.path} ${why}; retrying in ${(ms / 1000).toFixed(1)} s (attempt ${attempt + 1} of ${this.opts.maxAttempts})`
    )
    await this.opts.sleep(ms)
  }

  private url(spec: RequestSpec): string {
    const u = new URL(this.baseUrl + spec.path)
    for (const [k, v] of Object.entries(spec.query ?? {}))
      if (v !== undefined) u.searchParams.set(k, String(v))
    return u.toString()
  }

  // eslint-disable-next-line max-lines-per-function -- issue 33: to be split (known when the rule came in)
  async request<T = unknown>(spec: RequestSpec): Promise<Reply<T>> {
    let attempt = 1
    let rateLimited = 0
    let reauthed = false
    const route = `${spec.method} ${spec.path.replace(/\/[0-9a-f]{16,}|\/[A-Za-z0-9_-]{20,}/g, '/{id}')}`
    const tier = tierOf(spec.method, spec.path)
    for (;;) {
      await this.options.budget?.take(tier)
      const headers: Record<string, string> = { accept: spec.accept ?? 'application/json' }
      if (!spec.anonymous) headers.authorization = `Bearer ${await this.auth.token(false)}`
      let body: string | FormData | undefined
      if (spec.json !== undefined) {
        const payload = typeof spec.json === 'function' ? (spec.json as () => unknown)() : spec.json
        headers['content-type'] = 'application/json'
        body = JSON.stringify(payload)
      } else if (spec.form) body = spec.form
      this.stats.requests += 1
      this.stats.byRoute[route] = (this.stats.byRoute[route] ?? 0) + 1
      const started = this.opts.now()
      let res: Dispatcher.ResponseData
      let bytes: Uint8Array
      try {
        res = await request(this.url(spec), {
          method: spec.method,
          headers,
          body,
          dispatcher: this.dispatcher,
          headersTimeout: spec.timeoutMs ?? this.opts.requestTimeoutMs,
          bodyTimeout: spec.timeoutMs ?? this.opts.requestTimeoutMs
        })
        bytes = new Uint8Array(await res.body.arrayBuffer())
      } catch (e) {
        const why = networkReason(e)
        // the tenant cannot be reached at all (a host that does not resolve, nothing listening, the
        // wrong scheme): one retry at most, then the words that point at the fix
        const unreachable = unreachableHint(e, this.baseUrl, this.tenant)
        if (unreachable) {
          if (unreachable.retry && attempt < 2) {
            await this.backoff(attempt, spec, why)
            attempt += 1
            continue
          }
          const d = this.details(spec, { outcomeUnknown: false })
          throw new QlikApiError(
            `Cannot reach the ${this.tenant} tenant ${this.host} (${spec.method} ${spec.path}): ${unreachable.reason}. ${unreachable.fix}`,
            d
          )
        }
        if (spec.idempotent && attempt < this.opts.maxAttempts) {
          await this.backoff(attempt, spec, why)
          attempt += 1
          continue
        }
        const d = this.details(spec, { outcomeUnknown: !spec.idempotent })
        const tail = spec.idempotent
          ? ` after ${attempt} attempt(s)`
          : '; the request may or may not have been carried out'
        throw new QlikApiError(`${describeQlikError(d, why)}${tail}.`, d)
      }
      this.logger.debug(
        `${this.tenant}: ${spec.method} ${spec.path} -> ${res.statusCode} in ${this.opts.now() - started} ms`
      )
      const status = res.statusCode
      if ((status >= 200 && status < 300) || spec.okStatuses?.includes(status)) {
        const text = spec.binary ? '' : Buffer.from(bytes).toString('utf8')
        let data: unknown = undefined
        if (!spec.binary && text.trim() !== '') {
          try {
            data = JSON.parse(text)
          } catch {
            // A body cut short or garbled on the way: a safe request is simply asked again.
            if (spec.idempotent && attempt < this.opts.maxAttempts) {
              await this.backoff(attempt, spec, `answered ${status} with a body that is not JSON`)
              attempt += 1
              continue
            }
            const d = this.details(spec, { status, outcomeUnknown: !spec.idempotent })
            throw new QlikApiError(
              describeQlikError(d, `the answer is not JSON: ${text.slice(0, 200)}`) +
                (spec.idempotent ? ` (after ${attempt} attempt(s))` : ''),
              d
            )
          }
        }
        return { status, headers: res.headers, data: data as T, ...(spec.binary ? { bytes } : {}) }
      }
      const text = Buffer.from(bytes).toString('utf8')
      const decoded = decodeErrorBody(text)
      if (status === 429) {
        this.stats.rateLimited += 1
        rateLimited += 1
        const wait = parseRetryAfter(res.headers['retry-after'], this.opts.now()) ?? 5
        if (rateLimited <= this.opts.max429Retries && wait <= this.opts.maxRetryAfterSeconds) {
          this.note(
            `${this.tenant} tenant ${this.host}: rate limit reached on ${spec.method} ${spec.path}; waiting ${wait} s as Retry-After asks`
          )
          // a shared budget holds the whole tier (every client of the run) until Retry-After
          if (this.options.budget) this.options.budget.block(tier, wait)
          else await this.opts.sleep(Math.ceil(wait * 1000) + Math.round(this.opts.random() * 250))
          continue
        }
      }
      if (status === 401 && this.auth.renewable && !spec.anonymous && !reauthed) {
        reauthed = true
        await this.auth.token(true)
        continue
      }
      if (RETRYABLE_STATUS.has(status) && spec.idempotent && attempt < this.opts.maxAttempts) {
        await this.backoff(attempt, spec, `answered ${status}`)
        attempt += 1
        continue
      }
      const d = this.details(spec, {
        status,
        ...decoded,
        ...(RETRYABLE_STATUS.has(status) && !spec.idempotent ? { outcomeUnknown: true } : {})
      })
      throw new QlikApiError(
        `${describeQlikError(d)}${spec.anonymous ? '' : hintFor(status, this.auth)}`,
        d
      )
    }
  }
}

/** Seconds the token lives: expires_in, else expires_at (seconds or an ISO date), else an hour. */
export function tokenLifetime(
  data: { expires_in?: unknown; expires_at?: unknown },
  now: number
): number {
  if (typeof data.expires_in === 'number' && data.expires_in > 0) return data.expires_in
  const at = data.expires_at
  const ms =
    typeof at === 'number'
      ? at > 1e12
        ? at
        : at * 1000
      : typeof at === 'string'
        ? Date.parse(at)
        : NaN
  if (Number.isFinite(ms) && ms > now) return (ms - now) / 1000
  return 3600
}

/**
 * A failure that means the tenant is not reachable at this URL, with what to check: retrying five
 * times over a quarter of a minute would only hide it. Each of these happens before the request is
 * sent (name lookup, connect, TLS handshake), so even a write is safe to try once more; a reset
 * during a request is not one of them (its outcome is unknown).
 */
function unreachableHint(
  e: unknown,
  baseUrl: string,
  side: string
): { reason: string; fix: string; retry: boolean } | undefined {
  const err = e as { code?: string; message?: string; cause?: { code?: string; message?: string } }
  const code = err.cause?.code ?? err.code ?? ''
  const msg = `${err.cause?.message ?? ''} ${err.message ?? ''}`
  const u = new URL(baseUrl)
  const input = `'${side}-tenant'`
  if (code === 'ELINKLOCAL')
    return {
      reason: err.cause?.message ?? err.message ?? 'it resolves to a link-local address',
      fix: `Check the tenant host name (input ${input}) and the runner's DNS: a Qlik Cloud tenant is a public host such as acme.eu.qlikcloud.com.`,
      retry: false
    }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return {
      reason: `the host name ${u.hostname} does not resolve (${code})`,
      fix: `Check the tenant host name (input ${input}, e.g. acme.eu.qlikcloud.com) and the runner's network (DNS, proxy).`,
      retry: code === 'EAI_AGAIN'
    }
  if (code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH')
    return {
      reason: `nothing answers at ${u.host} (${code})`,
      fix: `Check the tenant URL (input ${input}) and the runner's network (firewall, proxy).`,
      retry: true
    }
  if (/wrong version number|WRONG_VERSION_NUMBER|packet length too long/i.test(`${code} ${msg}`))
    return {
      reason: `it answered in plain HTTP to an https:// request`,
      fix: `Use http://${u.host} in input ${input} if this is a local simulator; Qlik Cloud tenants speak https:// only.`,
      retry: false
    }
  return undefined
}

function networkReason(e: unknown): string {
  if (e instanceof undiciErrors.HeadersTimeoutError || e instanceof undiciErrors.BodyTimeoutError)
    return 'timed out'
  const err = e as { code?: string; message?: string; cause?: { code?: string; message?: string } }
  const code = err.code ?? err.cause?.code
  const msg = err.cause?.message ?? err.message ?? String(e)
  return code ? `connection error ${code} (${msg})` : `connection error (${msg})`
}

function hintFor(status: number, auth: TokenSource): string {
  if (status === 401) return `. ${auth.refused}`
  if (status === 403)
    return ". The credential lacks permission: it needs a role on the project's space (Can view to read and export, Can edit to deploy, Can operate to run tasks; see the README, Permissions)."
  if (status === 429) return '. The tenant kept rate-limiting; try again later.'
  return ''
}
