import type { Result } from '../context.js'
import type { FaultRuleInput } from '../config.js'
import { SimHttpError } from '../errors.js'
import type { Simulator } from '../server.js'
import type { Tenant } from '../state.js'

/**
 * The simulator's own control endpoints under `/__simulator/` (never part of Qlik's API: no auth,
 * no faults, not logged), in the same table style as Qlik's routes. Tests and the demo use them to
 * read the request log and events, inject faults, and inspect a tenant's state.
 */

export interface AdminCtx {
  sim: Pick<
    Simulator,
    'requests' | 'clearRequests' | 'events' | 'faults' | 'state' | 'resetRateLimits'
  >
  tenant: Tenant
  url: URL
  params: Record<string, string>
  /** The JSON body (400 when it does not parse). */
  json: () => unknown
}

export interface AdminRoute {
  method: string
  path: string
  handler: (c: AdminCtx) => Result
}

const noContent: Result = { status: 204 }

export const ADMIN_ROUTES: readonly AdminRoute[] = [
  {
    method: 'GET',
    path: '/__simulator/requests',
    handler: ({ sim, tenant, url }) => ({
      status: 200,
      json: {
        requests: sim.requests(
          url.searchParams.get('all') === 'true' ? {} : { tenant: tenant.name }
        )
      }
    })
  },
  {
    method: 'DELETE',
    path: '/__simulator/requests',
    handler: ({ sim }) => {
      sim.clearRequests()
      return noContent
    }
  },
  {
    method: 'GET',
    path: '/__simulator/events',
    handler: ({ sim, tenant }) => ({
      status: 200,
      json: { events: sim.events().filter((e) => e.tenantid === tenant.id) }
    })
  },
  {
    method: 'GET',
    path: '/__simulator/faults',
    handler: ({ sim }) => ({ status: 200, json: { faults: sim.faults.list() } })
  },
  {
    method: 'POST',
    path: '/__simulator/faults',
    handler: ({ sim, tenant, json }) => {
      const input = json() as FaultRuleInput
      try {
        return { status: 201, json: { id: sim.faults.add({ tenant: tenant.name, ...input }) } }
      } catch (e) {
        throw new SimHttpError(400, 'HTTP-400', 'Bad Request', (e as Error).message)
      }
    }
  },
  {
    method: 'DELETE',
    path: '/__simulator/faults',
    handler: ({ sim }) => {
      sim.faults.clear()
      return noContent
    }
  },
  {
    method: 'DELETE',
    path: '/__simulator/faults/:id',
    handler: ({ sim, params }) => {
      if (!sim.faults.remove(params.id as string))
        throw new SimHttpError(404, 'HTTP-404', 'Not Found', 'No such fault.')
      return noContent
    }
  },
  {
    method: 'GET',
    path: '/__simulator/state',
    handler: ({ sim, tenant }) => {
      const { credentials: _c, ...rest } = sim.state(tenant.name)
      return {
        status: 200,
        json: JSON.parse(
          JSON.stringify(rest, (_k, v: unknown) =>
            v instanceof Set ? [...v] : v instanceof Uint8Array ? `${v.length} bytes` : v
          )
        )
      }
    }
  },
  {
    method: 'POST',
    path: '/__simulator/rate-limits/reset',
    handler: ({ sim }) => {
      sim.resetRateLimits()
      return noContent
    }
  }
]
