import { z } from 'zod'
import { badRequest } from '../errors.js'
import type { Ctx } from '../context.js'
import type { DataTask, Project } from '../state.js'
import type { ActionError, ActionPlan, ActionTaskPlan } from './actions.js'
import { taskConnectionProblem } from './connections.js'
import { isRunActive, runStateAt } from './runtime.js'

/**
 * Qlik's prepare and validate, task by task: each task's outcome is the first check it fails (or
 * COMPLETED), decided when the action starts; the tasks become prepared (or validated) when the
 * action ends.
 */

/** `selectedTasks` of a prepare or validate body: empty means every task of the project. */
export const selectedTasksSchema = z
  .array(z.strictObject({ taskId: z.string().min(1) }))
  .default([])

export function selectTasks(p: Project, selected: Array<{ taskId: string }>): DataTask[] {
  if (selected.length === 0) return p.tasks
  return selected.map(({ taskId }) => {
    const t = p.tasks.find((x) => x.id === taskId)
    if (!t)
      throw badRequest(`Selected task '${taskId}' is not in project '${p.name}'.`, 'selectedTasks')
    return t
  })
}

type Check = () => ActionError | undefined

/** A task's outcome: FAILED with the first check's error, else COMPLETED with `info`. */
function taskPlan(t: DataTask, checks: Check[], info: string): ActionTaskPlan {
  const base = { taskId: t.id, name: t.name }
  for (const check of checks) {
    const error = check()
    if (error) return { ...base, outcome: 'FAILED', error }
  }
  return { ...base, outcome: 'COMPLETED', info }
}

/** A failure forced by the simulator's configuration (failPrepare / failValidate). */
const forced =
  (t: DataTask, message: string | undefined, code: string): Check =>
  () =>
    message === undefined ? undefined : { code, message, details: `Task ${t.name} (${t.id})` }

// eslint-disable-next-line max-params -- issue 33: to take one named object (known when the rule came in)
export function prepareTaskPlan(
  ctx: Ctx,
  p: Project,
  t: DataTask,
  allowRecreate: boolean,
  platformError?: ActionError
): ActionTaskPlan {
  return taskPlan(
    t,
    [
      () => platformError,
      () => {
        const last = t.runs.at(-1)
        // a running task cannot be prepared (its tables are in use): stop it first
        return last && isRunActive(runStateAt(last, ctx.now, ctx.core.config.timing))
          ? {
              code: 'DI-TASK-RUNNING',
              message: `Task '${t.name}' is running (run ${last.runId}); stop it before preparing.`,
              details: 'POST .../runtime/actions/stop, wait until it is stopped, then prepare.'
            }
          : undefined
      },
      () => taskConnectionProblem(ctx.tenant, p, t),
      forced(t, t.failPrepare, 'DI-TASK-PREPARE-FAILED'),
      () =>
        t.requiresRecreate.length > 0 && !allowRecreate
          ? {
              code: 'DI-PREPARE-RECREATE-REQUIRED',
              message: `Preparing task '${t.name}' requires recreating datasets (${t.requiresRecreate.join(', ')}).`,
              details: 'Run prepare with allowRecreate=true to drop and recreate them.'
            }
          : undefined
    ],
    `Prepared ${t.datasets.length} dataset(s).`
  )
}

export function validateTaskPlan(ctx: Ctx, p: Project, t: DataTask): ActionTaskPlan {
  return taskPlan(
    t,
    [
      () =>
        t.prepared
          ? undefined
          : {
              code: 'DI-TASK-NOT-PREPARED',
              message: `Task '${t.name}' is not prepared.`,
              details: 'Prepare the project (or the task) before validating it.'
            },
      () => taskConnectionProblem(ctx.tenant, p, t),
      forced(t, t.failValidate, 'DI-TASK-VALIDATION-FAILED')
    ],
    `Validated ${t.datasets.length} dataset(s).`
  )
}

/** When the action ends: apply `mark` to each task that COMPLETED. */
const onCompleted =
  (p: Project, mark: (t: DataTask) => void): NonNullable<ActionPlan['onSettled']> =>
  (_outcome, tasks) => {
    for (const r of tasks) {
      const t = p.tasks.find((x) => x.id === r.taskId)
      if (t && r.outcome === 'COMPLETED') mark(t)
    }
  }

export const markPrepared = (p: Project) =>
  onCompleted(p, (t) => {
    t.prepared = true
    t.validated = false
    t.requiresRecreate = []
  })

export const markValidated = (p: Project) =>
  onCompleted(p, (t) => {
    t.validated = true
  })
