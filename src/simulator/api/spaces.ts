import { ok, route, type Ctx, type Route } from '../context.js'
import { notFound } from '../errors.js'
import type { Space } from '../state.js'
import { base, page } from './paging.js'

/** Spaces (`/api/v1/spaces`). */

function spaceItem(ctx: Ctx, s: Space): Record<string, unknown> {
  const self = `${base(ctx)}/api/v1/spaces/${s.id}`
  return {
    id: s.id,
    name: s.name,
    type: s.type,
    description: s.description,
    tenantId: ctx.tenant.id,
    ownerId: ctx.tenant.ownerId,
    createdAt: s.createdAt,
    createdBy: ctx.tenant.ownerId,
    updatedAt: s.createdAt,
    meta: {
      actions: ['read', 'update'],
      roles: ['producer'],
      assignableRoles: ['consumer', 'producer']
    },
    links: { self: { href: self }, assignments: { href: `${self}/assignments` } }
  }
}

export const spaceRoutes: Route[] = [
  route('GET /api/v1/spaces', { tier: 'tier1', write: false }, (ctx) => {
    const name = ctx.url.searchParams.get('name')?.toLowerCase()
    const type = ctx.url.searchParams.get('type')
    const all = ctx.tenant.spaces.filter(
      (s) =>
        (!name || s.name.toLowerCase().includes(name)) &&
        (!type || type.split(',').includes(s.type))
    )
    const { data, links } = page(ctx, all, 10, 100)
    return ok({ data: data.map((s) => spaceItem(ctx, s)), links, meta: { count: all.length } })
  }),
  route('GET /api/v1/spaces/:spaceId', { tier: 'tier1', write: false }, (ctx) => {
    const s = ctx.tenant.spaces.find((x) => x.id === ctx.params.spaceId)
    if (!s) throw notFound(`Space '${ctx.params.spaceId}' was not found.`)
    return ok(spaceItem(ctx, s))
  })
]
