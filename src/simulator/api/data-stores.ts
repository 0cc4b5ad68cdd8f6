import { intQuery, ok, route, type Route } from '../context.js'
import { base } from './paging.js'

/** The data stores catalog (`/api/v1/data-stores`). */

export const dataStoreRoutes: Route[] = [
  route('GET /api/v1/data-stores', { tier: 'tier1', write: false }, (ctx) => {
    const limit = intQuery(ctx, 'limit', 20, 1, 100)
    const pageNo = intQuery(ctx, 'page', 0, 0, 100000)
    const all = ctx.tenant.dataStores
    const data = all.slice(pageNo * limit, pageNo * limit + limit)
    const pages = Math.ceil(all.length / limit)
    const href = (p: number): { href: string } => ({
      href: `${base(ctx)}/api/v1/data-stores?limit=${limit}&page=${p}`
    })
    return ok({
      data: data.map((d) => ({
        id: d.id,
        name: d.name,
        // required by Qlik's DataStore type: the store's name in its own system
        technicalName: d.name,
        spaceId: d.spaceId,
        type: d.type,
        ownerId: ctx.tenant.ownerId,
        createdBy: ctx.tenant.ownerId,
        createdTime: d.createdTime,
        lastModifiedTime: d.createdTime,
        tags: []
      })),
      limit,
      page: pageNo,
      pages,
      total: all.length,
      links: {
        self: href(pageNo),
        ...(pageNo + 1 < pages ? { next: href(pageNo + 1) } : {}),
        ...(pageNo > 0 ? { prev: href(pageNo - 1) } : {})
      }
    })
  })
]
