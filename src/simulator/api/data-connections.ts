import { ok, route, type Ctx, type Route } from '../context.js'
import { badRequest, notFound } from '../errors.js'
import type { Connection } from '../state.js'
import { base, page } from './paging.js'

/**
 * Data connections (`/api/v1/data-connections`, @qlik/api 2.19 data-connections): the list of a
 * space's connections, and one connection by id or, with `type=connectionname`, by its name in
 * the space `spaceId` (404 when there is none). Tier 1. Only the keys of Qlik's `ConnectionGet`.
 */

function connectionItem(ctx: Ctx, c: Connection): Record<string, unknown> {
  return {
    qID: c.id,
    qName: c.name,
    qType: c.type,
    qConnectStatement: `CUSTOM CONNECT TO "provider=${c.type};"`,
    qEngineObjectID: c.id,
    qArchitecture: 0,
    qLogOn: 0,
    datasourceID: c.type,
    space: c.spaceId,
    tenant: ctx.tenant.id,
    privileges: ['list', 'read'],
    links: { self: { href: `${base(ctx)}/api/v1/data-connections/${c.id}` } }
  }
}

export const dataConnectionRoutes: Route[] = [
  route('GET /api/v1/data-connections', { tier: 'tier1', write: false }, (ctx) => {
    const spaceId = ctx.url.searchParams.get('spaceId')
    const list = ctx.tenant.connections.filter((c) => !spaceId || c.spaceId === spaceId)
    const { data, links } = page(ctx, list, 20, 100)
    return ok({
      data: data.map((c) => connectionItem(ctx, c)),
      links,
      meta: { count: list.length }
    })
  }),
  route('GET /api/v1/data-connections/:qID', { tier: 'tier1', write: false }, (ctx) => {
    const key = ctx.params.qID as string
    const type = ctx.url.searchParams.get('type')
    if (type !== null && type !== 'connectionname')
      throw badRequest(`Query parameter 'type' must be connectionname, got '${type}'.`, 'type')
    const spaceId = ctx.url.searchParams.get('spaceId')
    const found = ctx.tenant.connections.find(
      (c) =>
        (type === 'connectionname' ? c.name === key : c.id === key) &&
        (!spaceId || c.spaceId === spaceId)
    )
    if (!found)
      throw notFound(
        type === 'connectionname'
          ? `Connection '${key}' was not found${spaceId ? ` in space '${spaceId}'` : ''}.`
          : `Connection '${key}' was not found.`
      )
    return ok(connectionItem(ctx, found))
  })
]
