import type { Ctx, Result } from '../context.js'
import { ok } from '../context.js'
import type { Project } from '../state.js'
import type { ActionError, ActionPlan, ActionTaskPlan, ActionType, FinalState } from './actions.js'

export /** Start an asynchronous action, applying a matched fault (forced outcome, never finishing). */
// eslint-disable-next-line max-params -- issue 33: to take one named object (known when the rule came in)
function startAction(
  ctx: Ctx,
  p: Project,
  type: ActionType,
  name: string,
  tasks: ActionTaskPlan[],
  onSettled: ActionPlan['onSettled'],
  error?: ActionError
): Result {
  const timing = ctx.core.config.timing
  const plan: ActionPlan = {
    type,
    name,
    tenant: ctx.tenant.name,
    projectId: p.id,
    tasks,
    pendingMs: timing.actionPendingMs,
    taskMs: timing.actionTaskMsByType[type] ?? timing.actionTaskMs,
    taskSpread: timing.actionTaskSpread,
    ...(timing.actionTaskSeed !== undefined ? { taskSeed: timing.actionTaskSeed } : {}),
    times: timing.actionTimes,
    parallel: timing.actionTasksParallel || timing.actionTasksEndTogether,
    endTogether: timing.actionTasksEndTogether,
    ...(error ? { error, outcome: 'FAILED' as FinalState } : {}),
    ...(onSettled ? { onSettled } : {})
  }
  const f = ctx.fault
  if (f?.neverFinish) plan.neverFinish = true
  if (f?.actionOutcome) {
    const state = f.actionOutcome.state
    const message = f.actionOutcome.message ?? `Action ${state.toLowerCase()} (injected fault).`
    plan.outcome = state
    plan.tasks = tasks.map((t, i) =>
      state === 'COMPLETED'
        ? { ...t, outcome: 'COMPLETED' as const }
        : state === 'FAILED' && i === 0
          ? {
              ...t,
              outcome: 'FAILED' as const,
              error: { code: 'DI-INJECTED', message, details: '' }
            }
          : state === 'FAILED'
            ? t
            : { ...t, outcome: state }
    )
    if (state !== 'COMPLETED') plan.error = { code: `DI-ACTION-${state}`, message, details: '' }
    else delete plan.error
  }
  const action = ctx.core.engine.create(plan, ctx.now)
  return ok({ actionId: action.id }, 202, { location: `/api/v1/di-projects/actions/${action.id}` })
}
