import { z } from 'zod'
import { verifyAssertion } from './jwt-verify.js'
import { iso } from './clock.js'
import { intQuery, ok, type Ctx, type Route } from './context.js'
import { badRequest, notFound, SimHttpError } from './errors.js'
import { newId, type Space, type TasksApiRun, type TasksApiTask } from './state.js'

/** The other APIs a promotion touches: OAuth tokens, spaces, the Tasks API and the data store catalog. */

const base = (ctx: Ctx): string => `http://${String(ctx.headers.host ?? ctx.tenant.host)}`

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

// Tasks API runs: RUNNING until durationMs has passed, then the configured outcome.
function tasksRunItem(ctx: Ctx, t: TasksApiTask, r: TasksApiRun): Record<string, unknown> {
  const done = ctx.now >= r.endsAt
  return {
    id: r.id,
    actionId: r.actionId,
    taskId: t.id,
    taskName: t.name,
    resourceId: t.resourceId,
    status: done ? r.outcome : 'RUNNING',
    startedAt: iso(r.startedAt),
    ...(done ? { endedAt: iso(r.endsAt) } : {}),
    triggeredBy: r.source,
    executedAs: ctx.tenant.ownerId,
    workerId: 'sim-worker',
    workerType: 'reload',
    taskMeta: { spaceId: t.spaceId, tenantId: ctx.tenant.id, ownerId: ctx.tenant.ownerId }
  }
}

function tasksApiError(status: number, title: string, context: string): SimHttpError {
  return new SimHttpError(status, String(status), title, context)
}

function tasksApiTask(ctx: Ctx): TasksApiTask {
  const t = ctx.tenant.tasks.find((x) => x.id === ctx.params.id)
  if (!t) throw tasksApiError(404, 'Not Found', `Task '${ctx.params.id}' was not found.`)
  return t
}

/** Offset-based cursor paging with `links.next`, as list endpoints of Qlik Cloud do. */
function page<T>(
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

const tokenSchema = z.object({
  client_id: z.string().min(1),
  client_secret: z.string().min(1).optional(),
  client_assertion_type: z.string().optional(),
  client_assertion: z.string().optional(),
  grant_type: z.string(),
  scope: z.string().optional()
})

export const platformRoutes: Route[] = [
  {
    method: 'POST',
    path: '/oauth/token',
    // Tier 2, counted per client id (the route is public: no credential before the token)
    tier: 'tier2',
    write: false,
    public: true,
    handler: (ctx) => {
      const type = String(ctx.headers['content-type'] ?? '')
      let raw: unknown
      if (type.includes('application/x-www-form-urlencoded')) {
        raw = Object.fromEntries(new URLSearchParams(ctx.body.toString('utf8')))
      } else {
        try {
          raw = JSON.parse(ctx.body.toString('utf8') || '{}')
        } catch {
          throw badRequest('The request body is not valid JSON.')
        }
      }
      const parsed = tokenSchema.safeParse(raw)
      if (!parsed.success) {
        throw new SimHttpError(
          400,
          'OAUTH-1',
          'invalid_request',
          'client_id, grant_type and client_secret (or client_assertion_type and client_assertion) are required.'
        )
      }
      const body = parsed.data
      ctx.core.rateLimit(ctx.tenant.name, `oauth-client:${body.client_id}`, 'tier2')
      if (body.grant_type !== 'client_credentials') {
        throw new SimHttpError(
          400,
          'OAUTH-2',
          'unsupported_grant_type',
          `Grant type '${body.grant_type}' is not supported for machine-to-machine clients; use client_credentials.`
        )
      }
      let cred
      if (body.client_assertion !== undefined || body.client_assertion_type !== undefined) {
        const client = ctx.tenant.credentials.find(
          (c) => c.kind === 'oauth-client' && c.clientId === body.client_id && c.publicKey
        )
        const problem = client
          ? verifyAssertion(
              body,
              client,
              `http://${String(ctx.headers.host)}/oauth/token`,
              ctx.now,
              ctx.core.usedJti
            )
          : 'no private key JWT client with this client_id'
        if (problem)
          throw new SimHttpError(
            401,
            'OAUTH-4',
            'invalid_client',
            `Client assertion refused: ${problem}.`
          )
        cred = client
      } else {
        cred = ctx.tenant.credentials.find(
          (c) =>
            c.kind === 'oauth-client' &&
            c.clientId === body.client_id &&
            body.client_secret !== undefined &&
            c.secret === body.client_secret
        )
      }
      if (!cred)
        throw new SimHttpError(401, 'OAUTH-3', 'invalid_client', 'Client authentication failed.')
      const token = `simtok_${newId(24)}`
      const ttl = ctx.core.config.tokenTtlSeconds
      ctx.core.tokens.set(token, {
        credential: cred,
        tenant: ctx.tenant.name,
        expiresAt: ctx.now + ttl * 1000
      })
      return ok({
        access_token: token,
        token_type: 'bearer',
        expires_in: ttl,
        expires_at: iso(ctx.now + ttl * 1000),
        scope: body.scope ?? 'user_default'
      })
    }
  },
  {
    method: 'GET',
    path: '/api/v1/spaces',
    tier: 'tier1',
    write: false,
    handler: (ctx) => {
      const name = ctx.url.searchParams.get('name')?.toLowerCase()
      const type = ctx.url.searchParams.get('type')
      const all = ctx.tenant.spaces.filter(
        (s) =>
          (!name || s.name.toLowerCase().includes(name)) &&
          (!type || type.split(',').includes(s.type))
      )
      const { data, links } = page(ctx, all, 10, 100)
      return ok({ data: data.map((s) => spaceItem(ctx, s)), links, meta: { count: all.length } })
    }
  },
  {
    method: 'GET',
    path: '/api/v1/spaces/:spaceId',
    tier: 'tier1',
    write: false,
    handler: (ctx) => {
      const s = ctx.tenant.spaces.find((x) => x.id === ctx.params.spaceId)
      if (!s) throw notFound(`Space '${ctx.params.spaceId}' was not found.`)
      return ok(spaceItem(ctx, s))
    }
  },
  {
    method: 'GET',
    path: '/api/v1/tasks',
    tier: 'tasks',
    write: false,
    handler: (ctx) => {
      const resourceId = ctx.url.searchParams.get('resourceId')
      const list = ctx.tenant.tasks.filter((t) => !resourceId || t.resourceId === resourceId)
      const { data, links } = page(ctx, list, 10, 100)
      return ok({
        data: data.map((t) => ({
          id: t.id,
          name: t.name,
          resourceId: t.resourceId,
          enabled: true,
          specVersion: '0.8',
          metadata: {
            spaceId: t.spaceId,
            tenantId: ctx.tenant.id,
            ownerId: ctx.tenant.ownerId,
            createdAt: t.createdAt
          }
        })),
        links
      })
    }
  },
  {
    method: 'GET',
    path: '/api/v1/tasks/:id',
    tier: 'tasks',
    write: false,
    handler: (ctx) => {
      const t = tasksApiTask(ctx)
      return ok({
        id: t.id,
        name: t.name,
        resourceId: t.resourceId,
        enabled: true,
        specVersion: '0.8',
        metadata: {
          spaceId: t.spaceId,
          tenantId: ctx.tenant.id,
          ownerId: ctx.tenant.ownerId,
          createdAt: t.createdAt
        }
      })
    }
  },
  {
    method: 'POST',
    path: '/api/v1/tasks/:id/actions/start',
    tier: 'tasks',
    write: true,
    handler: (ctx) => {
      const t = tasksApiTask(ctx)
      const source = ctx.url.searchParams.get('source') ?? 'manual'
      const last = t.runs.at(-1)
      if (last && ctx.now < last.endsAt) {
        throw tasksApiError(
          409,
          'Conflict',
          `Task '${t.name}' is already running (run ${last.id}).`
        )
      }
      const run: TasksApiRun = {
        id: newId(12),
        actionId: newId(12),
        startedAt: ctx.now,
        endsAt: ctx.now + (t.durationMs ?? ctx.core.config.timing.taskRunMs),
        outcome: t.outcome,
        source
      }
      t.runs.push(run)
      return ok({ message: `Task '${t.name}' started (run ${run.id}).` })
    }
  },
  {
    method: 'GET',
    path: '/api/v1/tasks/:id/runs',
    tier: 'tasks',
    write: false,
    handler: (ctx) => {
      const t = tasksApiTask(ctx)
      const runs = [...t.runs].reverse()
      const { data, links } = page(ctx, runs, 10, 100)
      return ok({ data: data.map((r) => tasksRunItem(ctx, t, r)), links })
    }
  },
  {
    method: 'GET',
    path: '/api/v1/tasks/:id/runs/last',
    tier: 'tasks',
    write: false,
    handler: (ctx) => {
      const t = tasksApiTask(ctx)
      const last = t.runs.at(-1)
      if (!last) throw tasksApiError(404, 'Not Found', `Task '${t.name}' has not run yet.`)
      return ok(tasksRunItem(ctx, t, last))
    }
  },
  {
    method: 'GET',
    path: '/api/v1/tasks/:id/runs/:runId/log',
    tier: 'tasks',
    write: false,
    handler: (ctx) => {
      const t = tasksApiTask(ctx)
      const r = t.runs.find((x) => x.id === ctx.params.runId)
      if (!r) throw tasksApiError(404, 'Not Found', `Run '${ctx.params.runId}' was not found.`)
      const item = tasksRunItem(ctx, t, r)
      const text = `${iso(r.startedAt)} Task ${t.name} started (${r.source})\n${item.endedAt ? `${String(item.endedAt)} Task ${t.name} ${String(item.status)}\n` : ''}`
      return { status: 200, body: Buffer.from(text), contentType: 'text/plain; charset=utf-8' }
    }
  },
  {
    method: 'GET',
    path: '/api/v1/data-stores',
    tier: 'tier1',
    write: false,
    handler: (ctx) => {
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
    }
  }
]
