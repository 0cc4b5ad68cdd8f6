import { iso } from '../clock.js'
import { ok, route, type Ctx, type Route } from '../context.js'
import { SimHttpError } from '../errors.js'
import { newId, type TasksApiRun, type TasksApiTask } from '../state.js'
import { page } from './paging.js'

/** The Tasks API (`/api/v1/tasks`): tasks such as app reloads, started and watched by their runs. */

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

const taskItem = (ctx: Ctx, t: TasksApiTask): Record<string, unknown> => ({
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

export const tasksRoutes: Route[] = [
  route('GET /api/v1/tasks', { tier: 'tasks', write: false }, (ctx) => {
    const resourceId = ctx.url.searchParams.get('resourceId')
    const list = ctx.tenant.tasks.filter((t) => !resourceId || t.resourceId === resourceId)
    const { data, links } = page(ctx, list, 10, 100)
    return ok({
      data: data.map((t) => taskItem(ctx, t)),
      links
    })
  }),
  route('GET /api/v1/tasks/:id', { tier: 'tasks', write: false }, (ctx) => {
    return ok(taskItem(ctx, tasksApiTask(ctx)))
  }),
  route('POST /api/v1/tasks/:id/actions/start', { tier: 'tasks', write: true }, (ctx) => {
    const t = tasksApiTask(ctx)
    const source = ctx.url.searchParams.get('source') ?? 'manual'
    const last = t.runs.at(-1)
    // Qlik's spec lists 400, 401, 403, 404, 500 and 503 for a start: no 409
    if (last && ctx.now < last.endsAt) {
      throw tasksApiError(
        400,
        'Bad Request',
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
  }),
  // the runs of every task of a resource (an app), newest first as Qlik's default sort says
  route('GET /api/v1/tasks/resources/:id/runs', { tier: 'tasks', write: false }, (ctx) => {
    const runs = ctx.tenant.tasks
      .filter((t) => t.resourceId === ctx.params.id)
      .flatMap((t) => t.runs.map((r) => ({ t, r })))
      .sort((a, b) => b.r.startedAt - a.r.startedAt)
    const { data, links } = page(ctx, runs, 10, 100)
    return ok({ data: data.map(({ t, r }) => tasksRunItem(ctx, t, r)), links })
  }),
  route('GET /api/v1/tasks/:id/runs', { tier: 'tasks', write: false }, (ctx) => {
    const t = tasksApiTask(ctx)
    const runs = [...t.runs].reverse()
    const { data, links } = page(ctx, runs, 10, 100)
    return ok({ data: data.map((r) => tasksRunItem(ctx, t, r)), links })
  }),
  route('GET /api/v1/tasks/:id/runs/last', { tier: 'tasks', write: false }, (ctx) => {
    const t = tasksApiTask(ctx)
    const last = t.runs.at(-1)
    if (!last) throw tasksApiError(404, 'Not Found', `Task '${t.name}' has not run yet.`)
    return ok(tasksRunItem(ctx, t, last))
  }),
  route('GET /api/v1/tasks/:id/runs/:runId/log', { tier: 'tasks', write: false }, (ctx) => {
    const t = tasksApiTask(ctx)
    const r = t.runs.find((x) => x.id === ctx.params.runId)
    if (!r) throw tasksApiError(404, 'Not Found', `Run '${ctx.params.runId}' was not found.`)
    const item = tasksRunItem(ctx, t, r)
    const text = `${iso(r.startedAt)} Task ${t.name} started (${r.source})\n${item.endedAt ? `${String(item.endedAt)} Task ${t.name} ${String(item.status)}\n` : ''}`
    // as Qlik's spec: the raw log for Accept: text/plain, else (the default) JSON { logContent }
    if (/^text\/plain\b/i.test(String(ctx.headers.accept ?? '')))
      return { status: 200, body: Buffer.from(text), contentType: 'text/plain; charset=utf-8' }
    return ok({ logContent: text })
  })
]
