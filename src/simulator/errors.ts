import { randomBytes } from 'node:crypto'

/** One entry of Qlik's error body: `{"errors":[{code,title,detail,source,status}],"traceId"}`. */
export interface QlikErrorItem {
  code: string
  title: string
  detail?: string
  status?: number
  source?: { pointer?: string; parameter?: string }
}

export function newTraceId(): string {
  return randomBytes(16).toString('hex')
}

/** An error the simulator answers in Qlik's shape. Thrown by handlers, rendered by the server. */
export class SimHttpError extends Error {
  override readonly name = 'SimHttpError'
  readonly status: number
  readonly items: QlikErrorItem[]
  readonly headers: Record<string, string>

  // eslint-disable-next-line max-params -- issue 33: to take one named object (known when the rule came in)
  constructor(
    status: number,
    code: string,
    title: string,
    detail?: string,
    opts: {
      headers?: Record<string, string>
      source?: QlikErrorItem['source']
      more?: QlikErrorItem[]
    } = {}
  ) {
    super(`${status} ${title}${detail ? `: ${detail}` : ''}`)
    this.status = status
    const first: QlikErrorItem = { code, title, status }
    if (detail !== undefined) first.detail = detail
    if (opts.source) first.source = opts.source
    this.items = [first, ...(opts.more ?? [])]
    this.headers = opts.headers ?? {}
  }

  /**
   * The error body as the API of `path` documents it (@qlik/api's error types, one per API):
   * di-projects `{errors: [{code, title, detail, source, status}], traceId}`; spaces the same
   * without `status`; data-connections the items with `status` but no `traceId`; data-stores
   * `status` as a string; the Tasks API `{errors: [{code: <number>, title, context}], traceId}`.
   */
  body(traceId: string, path = ''): Record<string, unknown> {
    const api = /^\/api\/v1\/([a-z-]+)/.exec(path)?.[1] ?? ''
    if (api === 'tasks')
      return {
        errors: this.items.map((i) => ({
          code: /^\d+$/.test(i.code) ? Number(i.code) : this.status,
          title: i.title,
          ...(i.detail !== undefined ? { context: i.detail } : {})
        })),
        traceId
      }
    if (api === 'spaces')
      // spaces' Error has no status, and keeps its source under meta
      return {
        errors: this.items.map(({ status: _s, source, ...rest }) => {
          void _s
          return source ? { ...rest, meta: { source } } : rest
        }),
        traceId
      }
    if (api === 'data-connections') return { errors: this.items }
    if (api === 'data-stores')
      return {
        errors: this.items.map((i) => ({
          ...i,
          ...(i.status !== undefined ? { status: String(i.status) } : {})
        })),
        traceId
      }
    return { errors: this.items, traceId }
  }
}

export const badRequest = (detail: string, parameter?: string): SimHttpError =>
  new SimHttpError(
    400,
    'HTTP-400',
    'Bad Request',
    detail,
    parameter ? { source: { parameter } } : {}
  )

export const notFound = (what: string): SimHttpError =>
  new SimHttpError(404, 'HTTP-404', 'Not Found', what)

export const conflict = (detail: string): SimHttpError =>
  new SimHttpError(409, 'HTTP-409', 'Conflict', detail)
