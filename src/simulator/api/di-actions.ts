import { boolQuery, ok, route, type Route } from '../context.js'
import { notFound } from '../errors.js'

/** The status of an asynchronous action (`/api/v1/di-projects/actions/{actionId}`). */

export const diActionRoutes: Route[] = [
  route('GET /api/v1/di-projects/actions/:actionId', { tier: 'tier1', write: false }, (ctx) => {
    const id = ctx.params.actionId as string
    const a = ctx.core.engine.get(id)
    if (!a || a.tenant !== ctx.tenant.name) throw notFound(`Action '${id}' was not found.`)
    return ok(ctx.core.engine.status(a, ctx.now, boolQuery(ctx, 'detailed')))
  })
]
