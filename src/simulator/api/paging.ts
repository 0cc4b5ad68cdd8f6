import { intQuery, type Ctx } from '../context.js'
import { badRequest } from '../errors.js'

/** The tenant's base URL as the client reached it (for `links`). */
export const base = (ctx: Ctx): string => `http://${String(ctx.headers.host ?? ctx.tenant.host)}`

/** Offset-based cursor paging with `links.next`, as list endpoints of Qlik Cloud do. */
export function page<T>(
  ctx: Ctx,
  items: T[],
  defLimit: number,
  maxLimit: number
): { data: T[]; links: Record<string, { href: string }> } {
  const limit = intQuery(ctx, 'limit', defLimit, 1, maxLimit)
  const cursor = ctx.url.searchParams.get('next') ?? ctx.url.searchParams.get('page')
  const start = cursor ? Number.parseInt(Buffer.from(cursor, 'base64url').toString('utf8'), 10) : 0
  if (!Number.isInteger(start) || start < 0) throw badRequest('Invalid page cursor.', 'next')
  const data = items.slice(start, start + limit)
  const self = new URL(ctx.url.pathname + ctx.url.search, base(ctx))
  const links: Record<string, { href: string }> = { self: { href: self.toString() } }
  if (start + limit < items.length) {
    const next = new URL(self)
    next.searchParams.set('next', Buffer.from(String(start + limit)).toString('base64url'))
    next.searchParams.delete('page')
    links.next = { href: next.toString() }
  }
  if (start > 0) {
    const prev = new URL(self)
    prev.searchParams.set(
      'next',
      Buffer.from(String(Math.max(0, start - limit))).toString('base64url')
    )
    links.prev = { href: prev.toString() }
  }
  return { data, links }
}
