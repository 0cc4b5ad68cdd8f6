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

  body(traceId: string): { errors: QlikErrorItem[]; traceId: string } {
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
