import { z } from 'zod'
import { ok, route, type Route } from '../context.js'
import {
  markPrepared,
  markValidated,
  prepareTaskPlan,
  validateTaskPlan
} from '../engine/prepare.js'
import { startAction } from '../engine/start-action.js'
import { badRequest } from '../errors.js'
import type { DataTask, Project } from '../state.js'

/** The data tasks of a project (`/api/v1/di-projects/{projectId}/di-tasks`) and their actions. */

const taskItem = (p: Project, t: DataTask): Record<string, unknown> => ({
  id: t.id,
  name: t.name,
  type: t.type,
  ownerId: p.ownerId,
  spaceId: p.spaceId,
  description: t.description
})

export const diTaskRoutes: Route[] = [
  route(
    'GET /api/v1/di-projects/:projectId/di-tasks',
    { tier: 'tier1', write: false, project: true },
    (_ctx, { project: p }) => ok({ dataTasks: p.tasks.map((t) => taskItem(p, t)) })
  ),
  route(
    'GET /api/v1/di-projects/:projectId/di-tasks/:dataTaskId',
    { tier: 'tier1', write: false, task: true },
    (_ctx, { project, task }) => ok(taskItem(project, task))
  ),
  route(
    'POST /api/v1/di-projects/:projectId/di-tasks/:dataTaskId/actions/prepare',
    {
      tier: 'tier2',
      write: true,
      task: true,
      body: z.strictObject({ allowRecreate: z.boolean() }),
      bodyRequired: true,
      idle: true
    },
    (ctx, { project: p, task: t, body }) => {
      const plan = prepareTaskPlan(ctx, p, t, body.allowRecreate)
      return startAction(ctx, p, 'TASK_PREPARE', `Prepare ${t.name}`, [plan], markPrepared(p))
    }
  ),
  route(
    'POST /api/v1/di-projects/:projectId/di-tasks/:dataTaskId/actions/validate',
    { tier: 'tier2', write: true, task: true, body: z.object({}), idle: true },
    (ctx, { project: p, task: t }) =>
      startAction(
        ctx,
        p,
        'TASK_VALIDATE',
        `Validate ${t.name}`,
        [validateTaskPlan(ctx, p, t)],
        markValidated(p)
      )
  ),
  route(
    'POST /api/v1/di-projects/:projectId/di-tasks/:dataTaskId/actions/recreate-datasets',
    { tier: 'tier2', write: true, task: true, body: z.object({}), idle: true },
    (ctx, { project: p, task: t }) => {
      const plan = prepareTaskPlan(ctx, p, t, true)
      if (plan.outcome === 'COMPLETED') plan.info = `Recreated ${t.datasets.length} dataset(s).`
      return startAction(
        ctx,
        p,
        'TASK_PREPARE',
        `Recreate datasets of ${t.name}`,
        [plan],
        markPrepared(p)
      )
    }
  ),
  route(
    'POST /api/v1/di-projects/:projectId/di-tasks/:dataTaskId/actions/request-reload',
    {
      tier: 'tier2',
      write: true,
      task: true,
      body: z.strictObject({
        reloadStrategy: z.enum(['NONE', 'TRUNCATE', 'COMPARE_AND_APPLY']).optional(),
        selectedDatasets: z.array(z.strictObject({ datasetId: z.string().optional() })).default([])
      }),
      bodyRequired: true
    },
    (_ctx, { task: t, body }) => {
      for (const d of body.selectedDatasets) {
        if (d.datasetId !== undefined && !t.datasets.includes(d.datasetId)) {
          throw badRequest(
            `Dataset '${d.datasetId}' is not in task '${t.name}'.`,
            'selectedDatasets'
          )
        }
      }
      t.reloadRequested = true
      return ok({ success: true })
    }
  )
]
