import { z } from 'zod'
import type { QlikClient } from './client.js'
import { describeQlikError, QlikApiError } from './errors.js'

/** Qlik's answers checked against their shapes: an unexpected one names tenant, endpoint and field. */

// eslint-disable-next-line max-params -- issue 33: to take one named object (known when the rule came in)
export function parse<T>(
  client: QlikClient,
  method: string,
  path: string,
  schema: z.ZodType<T>,
  data: unknown
): T {
  const r = schema.safeParse(data)
  if (r.success) return r.data
  const issue = r.error.issues[0]
  const d = { tenant: client.tenant, host: client.host, method, path }
  throw new QlikApiError(
    describeQlikError(
      d,
      `unexpected answer: ${issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'invalid'}`
    ),
    d
  )
}

/** The list under `key` of an answer (none: empty). */
// eslint-disable-next-line max-params -- issue 33: to take one named object (known when the rule came in)
export function listIn<T>(
  client: QlikClient,
  method: string,
  path: string,
  key: string,
  item: z.ZodType<T>,
  data: unknown
): T[] {
  const body = parse(
    client,
    method,
    path,
    z.looseObject({ [key]: z.array(item).nullish() }),
    data ?? {}
  )
  return (body[key] as T[] | null | undefined) ?? []
}
