/** An error from a Qlik tenant, carrying what an on-call engineer needs to act on it. */
export interface QlikErrorDetails {
  tenant: string
  host: string
  method: string
  path: string
  status?: number
  code?: string
  title?: string
  detail?: string
  traceId?: string
  /** True when the server may have acted although we saw no answer (e.g. a reset after sending a POST). */
  outcomeUnknown?: boolean
}

export class QlikApiError extends Error {
  readonly details: QlikErrorDetails

  constructor(message: string, details: QlikErrorDetails) {
    super(message)
    this.name = 'QlikApiError'
    this.details = details
  }

  get status(): number | undefined {
    return this.details.status
  }
}

/** Decode Qlik's error body `{"errors":[{code,title,detail}],"traceId"}` (tolerating other shapes). */
export function decodeErrorBody(
  text: string
): Pick<QlikErrorDetails, 'code' | 'title' | 'detail' | 'traceId'> {
  try {
    const body = JSON.parse(text) as {
      errors?: Array<{ code?: unknown; title?: unknown; detail?: unknown; context?: unknown }>
      traceId?: unknown
      error?: unknown
      error_description?: unknown
    }
    const first = Array.isArray(body.errors) ? body.errors[0] : undefined
    const str = (v: unknown): string | undefined =>
      typeof v === 'string' || typeof v === 'number' ? String(v) : undefined
    const out: Pick<QlikErrorDetails, 'code' | 'title' | 'detail' | 'traceId'> = {}
    const code = str(first?.code)
    const title = str(first?.title) ?? str(body.error)
    // the Tasks API calls its detail `context`
    const detail = str(first?.detail) ?? str(first?.context) ?? str(body.error_description)
    const traceId = str(body.traceId)
    if (code) out.code = code
    if (title) out.title = title
    if (detail) out.detail = detail
    if (traceId) out.traceId = traceId
    if (Array.isArray(body.errors) && body.errors.length > 1) {
      const more = body.errors
        .slice(1)
        .map((e) => [str(e.title), str(e.detail) ?? str(e.context)].filter(Boolean).join(': '))
        .filter(Boolean)
      if (more.length > 0) out.detail = [out.detail, ...more].filter(Boolean).join(' | ')
    }
    return out
  } catch {
    const snippet = text.trim().slice(0, 300)
    return snippet ? { detail: snippet } : {}
  }
}

/** One line: `target tenant acme-prod.eu.qlikcloud.com: POST /api/v1/... answered 400 Bad Request: detail (code X, traceId Y)`. */
export function describeQlikError(d: QlikErrorDetails, what?: string): string {
  const head = `${d.tenant} tenant ${d.host}: ${d.method} ${d.path}`
  const status =
    d.status !== undefined ? ` answered ${d.status}${d.title ? ` ${d.title}` : ''}` : ' failed'
  const detail = d.detail ? `: ${d.detail}` : what ? `: ${what}` : ''
  const ids = [d.code ? `code ${d.code}` : '', d.traceId ? `traceId ${d.traceId}` : '']
    .filter(Boolean)
    .join(', ')
  return `${head}${status}${detail}${ids ? ` (${ids})` : ''}`
}
