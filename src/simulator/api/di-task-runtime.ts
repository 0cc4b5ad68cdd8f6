import { z } from 'zod'
import { ok, route, type Ctx, type Route } from '../context.js'
import {
  isRunActive,
  runInstance,
  runItem,
  runStateAt,
  runtimeStateBody,
  startRun
} from '../engine/runtime.js'
import { badRequest, notFound, SimHttpError } from '../errors.js'
import type { DataTask } from '../state.js'

/** A data task's runtime (`.../di-tasks/{dataTaskId}/runtime`): start, stop, state, runs. */

const startSchema = z.strictObject({
  option: z
    .enum([
      'PROCESS_CHANGES_FROM_TIMESTAMP',
      'PROCESS_CHANGES_FROM_POSITION',
      'RECOVER_USING_LOCALLY_STORED_CHECKPOINT'
    ])
    .optional(),
  processChangesFrom: z.string().optional()
})

export const diTaskRuntimeRoutes: Route[] = [
  route(
    'POST /api/v1/di-projects/:projectId/di-tasks/:dataTaskId/runtime/actions/start',
    { tier: 'tier2', write: true, task: true, body: startSchema },
    (ctx, { task: t, body }) => {
      if (
        body.option !== undefined &&
        !['REPLICATION', 'LANDING', 'REPLICATE_LANDING'].includes(t.type)
      ) {
        throw badRequest(
          `Run option '${body.option}' applies to replication tasks only; '${t.name}' is ${t.type}.`,
          'option'
        )
      }
      if (!t.prepared) {
        throw badRequest(`Task '${t.name}' is not prepared and cannot run. Prepare it first.`)
      }
      const last = t.runs.at(-1)
      const timing = ctx.core.config.timing
      // Qlik's spec answers a start 204, or 400 or 404: a running task is a bad request, not a 409
      if (last && isRunActive(runStateAt(last, ctx.now, timing))) {
        throw badRequest(`Task '${t.name}' is already running (run ${last.runId}).`)
      }
      startRun(t, ctx.now, timing)
      return { status: 204 }
    }
  ),
  route(
    'POST /api/v1/di-projects/:projectId/di-tasks/:dataTaskId/runtime/actions/stop',
    { tier: 'tier2', write: true, task: true },
    (ctx, { task: t }) => {
      const last = t.runs.at(-1)
      const state = last ? runStateAt(last, ctx.now, ctx.core.config.timing) : undefined
      if (!last || state === undefined || !isRunActive(state) || state === 'STOPPING') {
        throw badRequest(`Task '${t.name}' is not running.`)
      }
      last.stoppedAt = ctx.now
      return { status: 204 }
    }
  ),
  route(
    'GET /api/v1/di-projects/:projectId/di-tasks/:dataTaskId/runtime/state',
    { tier: 'runtimeState', write: false, task: true },
    (ctx, { task: t }) => {
      return ok(runtimeStateBody(t, t.runs.at(-1), ctx.now, ctx.core.config.timing))
    }
  ),
  route(
    'GET /api/v1/di-projects/:projectId/di-tasks/:dataTaskId/runtime/state/datasets',
    { tier: 'runtimeState', write: false, task: true },
    (ctx, { task: t }) => ok({ datasets: datasetStates(ctx, t, undefined) })
  ),
  route(
    'POST /api/v1/di-projects/:projectId/di-tasks/:dataTaskId/runtime/runs/actions/search',
    {
      // Tier 2 in the current reference (and @qlik/api 2.19)
      tier: 'tier2',
      write: false,
      task: true,
      body: z.strictObject({
        filters: z
          .array(
            z.strictObject({
              field: z.enum(['ID', 'STATUS', 'SUB_STATUS', 'PERIOD']),
              operator: z.enum(['IN', 'NOT_IN', 'BETWEEN']),
              value: z.array(z.string())
            })
          )
          .default([]),
        lastId: z.string().optional(),
        limit: z.number().int().min(1).max(100).default(20)
      })
    },
    (ctx, { task: t, body }) => {
      const timing = ctx.core.config.timing
      let items = [...t.runs].reverse().map((r) => runItem(t, r, ctx.now, timing))
      for (const f of body.filters) {
        const key = f.field === 'ID' ? 'runId' : f.field === 'STATUS' ? 'status' : undefined
        if (f.field === 'PERIOD') {
          const [from, to] = f.value
          items = items.filter(
            (i) => (!from || String(i.startTime) >= from) && (!to || String(i.startTime) <= to)
          )
        } else if (key) {
          items = items.filter(
            (i) => f.value.includes(String(i[key])) === (f.operator !== 'NOT_IN')
          )
        }
      }
      if (body.lastId !== undefined) {
        const at = items.findIndex((i) => i.runId === body.lastId)
        items = at >= 0 ? items.slice(at + 1) : items
      }
      const page = items.slice(0, body.limit)
      return ok({
        runs: page,
        nextPageExists: items.length > page.length,
        ...(page.length > 0 ? { lastId: page.at(-1)!.runId } : {})
      })
    }
  ),
  route(
    'GET /api/v1/di-projects/:projectId/di-tasks/:dataTaskId/runtime/runs/:runId/state',
    { tier: 'tier1', write: false, task: true },
    (ctx, { task: t }) => {
      const run = findRun(ctx, t)
      // @qlik/api 2.19: a DataTaskRuntimeState whose lastRun is the run asked for
      return ok({
        name: t.name,
        type: t.type,
        lastRun: runInstance(t, run, ctx.now, ctx.core.config.timing)
      })
    }
  ),
  route(
    'GET /api/v1/di-projects/:projectId/di-tasks/:dataTaskId/runtime/runs/:runId/state/datasets',
    { tier: 'tier1', write: false, task: true },
    (ctx, { task: t }) => {
      const run = findRun(ctx, t)
      const cfg = ctx.core.config
      // documented answers: 410 when the run's details were purged, 413 when they are too large
      if (ctx.now - run.startedAt > cfg.runDetailsRetentionSeconds * 1000) {
        throw new SimHttpError(
          410,
          'DI-RUN-PURGED',
          'Gone',
          `The details of run '${run.runId}' were purged (kept ${cfg.runDetailsRetentionSeconds} s); its state is still available.`
        )
      }
      if (t.datasets.length > cfg.runDatasetsLimit) {
        throw new SimHttpError(
          413,
          'DI-RUN-TOO-LARGE',
          'Payload Too Large',
          `Run '${run.runId}' has ${t.datasets.length} datasets, more than this endpoint returns (${cfg.runDatasetsLimit}); use the task's runtime state.`
        )
      }
      return ok({ datasets: datasetStates(ctx, t, run) })
    }
  )
]

function findRun(ctx: Ctx, t: DataTask): DataTask['runs'][number] {
  const id = ctx.params.runId as string
  const run = t.runs.find((r) => r.runId === id)
  if (!run) throw notFound(`Run '${id}' of task '${t.name}' was not found.`)
  return run
}

function datasetStates(
  ctx: Ctx,
  t: DataTask,
  run: DataTask['runs'][number] | undefined
): Array<Record<string, unknown>> {
  const r = run ?? t.runs.at(-1)
  const timing = ctx.core.config.timing
  const state = r ? runStateAt(r, ctx.now, timing) : undefined
  return t.datasets.map((name) => ({
    datasetId: name,
    name,
    sourceName: name,
    dataReadiness:
      state === 'COMPLETED' || (state === 'RUNNING' && t.continuous)
        ? 'READY'
        : state === 'FAILED'
          ? 'ERROR'
          : 'NOT_READY',
    fullLoad: {
      state:
        state === undefined || state === 'STARTING'
          ? 'QUEUED'
          : state === 'RUNNING' && !t.continuous
            ? 'LOADING'
            : state === 'FAILED'
              ? 'ERROR'
              : 'COMPLETED',
      ...(r ? { startTime: new Date(r.startedAt).toISOString() } : {}),
      ...(state === 'FAILED' ? { message: r?.error ?? 'The load failed.' } : {})
    }
  }))
}
