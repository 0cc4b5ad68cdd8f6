import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Result } from './context.js'
import { SimHttpError } from './errors.js'

/** The HTTP side of the simulator: reading bodies, writing results and Qlik's error bodies. */

const MAX_BODY = 64 * 1024 * 1024

export const STATUS_TITLES: Record<number, string> = {
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

export function rateLimitError(retryAfter: number): SimHttpError {
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

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

export function readBody(req: IncomingMessage): Promise<Buffer> {
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

/** An error in the shape the API of `path` documents for it (see SimHttpError.body). */
export function sendError(
  res: ServerResponse,
  err: SimHttpError,
  traceId: string,
  path = ''
): void {
  sendResult(
    res,
    { status: err.status, json: err.body(traceId, path), headers: err.headers },
    traceId
  )
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

export function sendResult(res: ServerResponse, result: Result, traceId: string): void {
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
export function sendBroken(res: ServerResponse, result: Result, how: 'reset' | 'truncate'): void {
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
