import { z } from 'zod'
import type { ActionError, ActionPlan, ActionTaskPlan, ActionType, FinalState } from './actions.js'
import { PLATFORM_TYPES, PROJECT_TYPES } from './config.js'
import {
  boolQuery,
  jsonBody,
  multipartZip,
  ok,
  project as getProject,
  type Ctx,
  type Result,
  type Route
} from './context.js'
import { badRequest, conflict, notFound, SimHttpError } from './errors.js'
import {
  buildPackage,
  PackageError,
  readPackage,
  settingsToApply,
  continuousOf,
  type PackageContent
} from './packages.js'
import {
  isRunActive,
  runInstance,
  runItem,
  runStateAt,
  runtimeStateBody,
  startRun
} from './runtime.js'
import {
  computeNameToIdMap,
  connectionExpression,
  findConnection,
  findSpace,
  newId,
  parseConnectionExpression,
  type DataTask,
  type Project,
  type Tenant
} from './state.js'

/** The Data Integration Projects API (`/api/v1/di-projects`), as of @qlik/api 2.19. */

const projectItem = (p: Project): Record<string, unknown> => ({
  id: p.id,
  name: p.name,
  type: p.type,
  platformType: p.platformType,
  ownerId: p.ownerId,
  spaceId: p.spaceId,
  description: p.description
})

const taskItem = (p: Project, t: DataTask): Record<string, unknown> => ({
  id: t.id,
  name: t.name,
  type: t.type,
  ownerId: p.ownerId,
  spaceId: p.spaceId,
  description: t.description
})

function task(ctx: Ctx, p: Project): DataTask {
  const id = ctx.params.dataTaskId as string
  const t = p.tasks.find((x) => x.id === id)
  if (!t) throw notFound(`Data task '${id}' was not found in project '${p.id}'.`)
  return t
}

/** Describe why a binding value cannot be used as a connection in this tenant (undefined: fine). */
function connectionProblem(
  tenant: Tenant,
  variable: string,
  value: string | null | undefined
): ActionError | undefined {
  if (value === undefined || value === null || value === '') {
    return {
      code: 'DI-BINDING-MISSING',
      message: `Binding variable '${variable}' has no value in this project.`,
      details: `Set '${variable}' with PUT /api/v1/di-projects/{projectId}/bindings.`
    }
  }
  const ref = parseConnectionExpression(value)
  if (!ref) {
    return {
      code: 'DI-BINDING-INVALID',
      message: `Binding variable '${variable}' is not a connection expression: '${value}'.`,
      details: 'Expected {{id(connection, SPACE_NAME.CONNECTION_NAME)}}.'
    }
  }
  const conn = findConnection(tenant, ref.space, ref.name)
  if (!conn) {
    const space = tenant.spaces.find((s) => s.name === ref.space)
    return {
      code: 'DI-CONNECTION-NOT-FOUND',
      message: `Connection '${ref.space}.${ref.name}' (variable '${variable}') was not found${space ? ` in space '${ref.space}'` : `: there is no space '${ref.space}'`}.`,
      details: `Create the connection in tenant ${tenant.host} or change the binding '${variable}'.`
    }
  }
  if (!conn.reachable) {
    return {
      code: 'DI-CONNECTION-UNREACHABLE',
      message: `Connection '${ref.space}.${ref.name}' (variable '${variable}') cannot be reached.`,
      details: 'Check the connection credentials and the gateway that serves it.'
    }
  }
  return undefined
}

function taskConnectionProblem(tenant: Tenant, p: Project, t: DataTask): ActionError | undefined {
  for (const variable of Object.values(t.connectionVars)) {
    const problem = connectionProblem(tenant, variable as string, p.bindings[variable as string])
    if (problem) return problem
  }
  return undefined
}

function ensureIdle(ctx: Ctx, p: Project): void {
  const running = ctx.core.engine.running(p.id, ctx.now)
  if (running.length > 0) {
    const a = running[0]!
    throw conflict(
      `Action ${a.id} (${a.type}) is still running on project '${p.name}'; wait for it to finish.`
    )
  }
}

const selectedTasksSchema = z.array(z.strictObject({ taskId: z.string().min(1) })).default([])

function selectTasks(p: Project, selected: Array<{ taskId: string }>): DataTask[] {
  if (selected.length === 0) return p.tasks
  return selected.map(({ taskId }) => {
    const t = p.tasks.find((x) => x.id === taskId)
    if (!t)
      throw badRequest(`Selected task '${taskId}' is not in project '${p.name}'.`, 'selectedTasks')
    return t
  })
}

/** Start an asynchronous action, applying a matched fault (forced outcome, never finishing). */
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

// ---------- import ----------

function importErrors(tenant: Tenant, p: Project, pkg: PackageContent): ActionError[] {
  const errors: ActionError[] = []
  if (pkg.project.type !== p.type) {
    errors.push({
      code: 'DI-IMPORT-TYPE-MISMATCH',
      message: `The package is a ${pkg.project.type} project; the target project '${p.name}' is ${p.type}.`,
      details: 'Import into a project of the same type.'
    })
  }
  if (pkg.project.platformType !== p.platformType) {
    errors.push({
      code: 'DI-IMPORT-PLATFORM-MISMATCH',
      message: `The package targets platform ${pkg.project.platformType}; the target project '${p.name}' uses ${p.platformType}.`,
      details: 'Import into a project created for the same platform.'
    })
  }
  const connectionVars = new Set<string>([
    ...(Object.values(pkg.project.connectionVars) as string[]),
    ...pkg.tasks.flatMap((t) => Object.values(t.connectionVars) as string[])
  ])
  for (const variable of pkg.declared) {
    const value = p.bindings[variable]
    if (value === undefined || value === '') {
      errors.push({
        code: 'DI-BINDING-MISSING',
        message: `Binding variable '${variable}' has no value in the target project '${p.name}'.`,
        details: 'Set it with PUT /api/v1/di-projects/{projectId}/bindings before importing.'
      })
      continue
    }
    if (connectionVars.has(variable) || parseConnectionExpression(value)) {
      const problem = connectionProblem(tenant, variable, value)
      if (problem && problem.code !== 'DI-CONNECTION-UNREACHABLE') errors.push(problem)
    }
  }
  // Qlik: upstream projects referenced by this one must be imported first
  for (const t of pkg.tasks) {
    if (!t.upstream) continue
    const id = p.bindings[t.upstream.projectVar]
    if (id === undefined || id === '' || id === null) continue // reported as DI-BINDING-MISSING
    const up = tenant.projects.find((x) => x.id === id)
    if (!up || !up.tasks.some((x) => x.id === t.upstream?.taskId)) {
      errors.push({
        code: 'DI-IMPORT-UPSTREAM-MISSING',
        message: `Task '${t.name}' selects datasets from task '${t.upstream.taskId}' of project ${id} (${t.upstream.projectVar}), which ${up ? 'has no such task' : 'does not exist in this tenant'}: import the upstream project first`,
        details: 'Import the upstream project first, then bind its id to this variable.'
      })
    }
  }
  return errors.slice(0, 50)
}

function applyImport(tenant: Tenant, p: Project, pkg: PackageContent): void {
  p.settings = settingsToApply(p.settings, pkg.project.settings)
  if (pkg.project.description !== '') p.description = pkg.project.description
  p.connectionVars = { ...pkg.project.connectionVars }
  p.declared = [...pkg.declared]
  for (const pt of pkg.tasks) {
    let t = p.tasks.find((x) => x.id === pt.id)
    if (!t) {
      t = {
        id: pt.id,
        name: pt.name,
        type: pt.type as DataTask['type'],
        description: pt.description,
        connectionVars: {},
        datasets: [],
        settings: {},
        continuous: false,
        modelBytes: 0,
        prepared: false,
        validated: false,
        requiresRecreate: [],
        reloadRequested: false,
        runs: []
      }
      p.tasks.push(t)
    }
    const removed = t.datasets.filter((d) => !pt.datasets.includes(d))
    if (t.prepared && removed.length > 0)
      t.requiresRecreate = [...new Set([...t.requiresRecreate, ...removed])]
    t.name = pt.name
    t.type = pt.type as DataTask['type']
    if (pt.description !== '') t.description = pt.description
    t.connectionVars = { ...pt.connectionVars }
    if (pt.upstream) t.upstream = { ...pt.upstream }
    else delete t.upstream
    t.datasets = [...pt.datasets]
    t.settings = settingsToApply(t.settings, pt.settings)
    t.continuous = continuousOf(t.type, t.settings)
    t.modelBytes = pt.modelBytes
    t.prepared = false
    t.validated = false
  }
  p.nameToIdMap = computeNameToIdMap(tenant, p.bindings)
  p.importCount += 1
}

async function parseUpload(ctx: Ctx): Promise<PackageContent> {
  const zip = await multipartZip(ctx)
  let result
  try {
    result = readPackage(zip)
  } catch (e) {
    if (e instanceof PackageError) throw badRequest(e.message, 'zip')
    throw e
  }
  const errs = result.reports.filter((r) => r.level === 'ERROR')
  if (!result.content || errs.length > 0) {
    const items = errs.slice(0, 50).map((r) => ({
      code: 'DI-PACKAGE-INVALID',
      title: 'Invalid project definition',
      detail: `${r.path}: ${r.reason}`,
      status: 400
    }))
    const first = items[0]
    throw new SimHttpError(
      400,
      'DI-PACKAGE-INVALID',
      'Invalid project definition',
      first?.detail ?? 'Invalid package.',
      {
        more: items.slice(1)
      }
    )
  }
  return result.content
}

// ---------- prepare / validate ----------

function prepareTaskPlan(
  ctx: Ctx,
  p: Project,
  t: DataTask,
  allowRecreate: boolean,
  platformError?: ActionError
): ActionTaskPlan {
  const base = { taskId: t.id, name: t.name }
  const fail = (error: ActionError): ActionTaskPlan => ({ ...base, outcome: 'FAILED', error })
  if (platformError) return fail(platformError)
  const last = t.runs.at(-1)
  if (last && isRunActive(runStateAt(last, ctx.now, ctx.core.config.timing))) {
    // a running task cannot be prepared (its tables are in use): stop it first
    return fail({
      code: 'DI-TASK-RUNNING',
      message: `Task '${t.name}' is running (run ${last.runId}); stop it before preparing.`,
      details: 'POST .../runtime/actions/stop, wait until it is stopped, then prepare.'
    })
  }
  const conn = taskConnectionProblem(ctx.tenant, p, t)
  if (conn) return fail(conn)
  if (t.failPrepare !== undefined) {
    return fail({
      code: 'DI-TASK-PREPARE-FAILED',
      message: t.failPrepare,
      details: `Task ${t.name} (${t.id})`
    })
  }
  if (t.requiresRecreate.length > 0 && !allowRecreate) {
    return fail({
      code: 'DI-PREPARE-RECREATE-REQUIRED',
      message: `Preparing task '${t.name}' requires recreating datasets (${t.requiresRecreate.join(', ')}).`,
      details: 'Run prepare with allowRecreate=true to drop and recreate them.'
    })
  }
  return { ...base, outcome: 'COMPLETED', info: `Prepared ${t.datasets.length} dataset(s).` }
}

function validateTaskPlan(ctx: Ctx, p: Project, t: DataTask): ActionTaskPlan {
  const base = { taskId: t.id, name: t.name }
  const fail = (error: ActionError): ActionTaskPlan => ({ ...base, outcome: 'FAILED', error })
  if (!t.prepared) {
    return fail({
      code: 'DI-TASK-NOT-PREPARED',
      message: `Task '${t.name}' is not prepared.`,
      details: 'Prepare the project (or the task) before validating it.'
    })
  }
  const conn = taskConnectionProblem(ctx.tenant, p, t)
  if (conn) return fail(conn)
  if (t.failValidate !== undefined) {
    return fail({
      code: 'DI-TASK-VALIDATION-FAILED',
      message: t.failValidate,
      details: `Task ${t.name} (${t.id})`
    })
  }
  return { ...base, outcome: 'COMPLETED', info: `Validated ${t.datasets.length} dataset(s).` }
}

function platformProblem(ctx: Ctx, p: Project): ActionError | undefined {
  for (const variable of Object.values(p.connectionVars) as string[]) {
    const problem = connectionProblem(ctx.tenant, variable, p.bindings[variable])
    if (problem) return problem
  }
  return undefined
}

const markPrepared =
  (p: Project) =>
  (_outcome: FinalState, tasks: ActionTaskPlan[]): void => {
    for (const r of tasks) {
      const t = p.tasks.find((x) => x.id === r.taskId)
      if (!t || r.outcome !== 'COMPLETED') continue
      t.prepared = true
      t.validated = false
      t.requiresRecreate = []
    }
  }

const markValidated =
  (p: Project) =>
  (_outcome: FinalState, tasks: ActionTaskPlan[]): void => {
    for (const r of tasks) {
      const t = p.tasks.find((x) => x.id === r.taskId)
      if (t && r.outcome === 'COMPLETED') t.validated = true
    }
  }

// ---------- routes ----------

const createSchema = z.strictObject({
  name: z.string().trim().min(1, 'name is required'),
  type: z.enum(PROJECT_TYPES).default('DATA_PIPELINE'),
  space: z.string().min(1, 'space (a space id) is required'),
  description: z.string().default(''),
  platformType: z.enum(PLATFORM_TYPES).optional(),
  platformConnection: z.string().optional(),
  cloudStagingConnection: z.string().optional()
})

const exportSchema = z.strictObject({
  mode: z.enum(['MINIMAL', 'ALL', 'LEGACY']).default('LEGACY'),
  includeBindings: z.boolean().default(false)
})

const bindingsSchema = z.strictObject({
  variables: z.record(z.string(), z.string().nullable())
})

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

/** Resolve a connection given to create: an id, an expression or SPACE.NAME; answers the expression. */
function connectionForCreate(tenant: Tenant, value: string, field: string): string {
  const byId = tenant.connections.find((c) => c.id === value)
  const ref =
    parseConnectionExpression(value) ??
    (/^([^.\s]+)\.(.+)$/.exec(value)
      ? { space: value.split('.')[0]!, name: value.slice(value.indexOf('.') + 1) }
      : undefined)
  const conn = byId ?? (ref ? findConnection(tenant, ref.space, ref.name) : undefined)
  if (!conn)
    throw badRequest(`${field} '${value}' does not name a connection in this tenant.`, field)
  const space = tenant.spaces.find((s) => s.id === conn.spaceId)!
  return connectionExpression(space.name, conn.name)
}

export const diProjectRoutes: Route[] = [
  {
    method: 'GET',
    path: '/api/v1/di-projects',
    tier: 'tier1',
    write: false,
    handler: (ctx) => {
      const spaceId = ctx.url.searchParams.get('spaceId')
      const list = ctx.tenant.projects.filter((p) => !spaceId || p.spaceId === spaceId)
      return ok({ projects: list.map(projectItem) })
    }
  },
  {
    method: 'POST',
    path: '/api/v1/di-projects',
    tier: 'tier2',
    write: true,
    handler: (ctx) => {
      const body = jsonBody(ctx, createSchema, true)
      const space = ctx.tenant.spaces.find((s) => s.id === body.space)
      if (!space) {
        const byName = findSpace(ctx.tenant, body.space)
        throw badRequest(
          `Space '${body.space}' was not found${byName ? ' (the API expects the space id, not its name)' : ''}.`,
          'space'
        )
      }
      if (ctx.tenant.projects.some((p) => p.spaceId === space.id && p.name === body.name)) {
        throw new SimHttpError(
          400,
          'DI-PROJECT-NAME-EXISTS',
          'Project name already exists',
          `A project named '${body.name}' already exists in space '${space.name}'.`,
          { source: { pointer: '/name' } }
        )
      }
      if (body.platformType === undefined && body.type === 'DATA_PIPELINE') {
        throw badRequest('platformType is required for a DATA_PIPELINE project.', 'platformType')
      }
      const bindings: Project['bindings'] = { projectName: body.name }
      const connectionVars: Project['connectionVars'] = {}
      const declared = ['projectName']
      for (const role of ['platformConnection', 'cloudStagingConnection'] as const) {
        const v = body[role]
        if (v === undefined || v === '') continue
        bindings[role] = connectionForCreate(ctx.tenant, v, role)
        connectionVars[role] = role
        declared.push(role)
      }
      const p: Project = {
        id: newId(),
        name: body.name,
        type: body.type,
        platformType: body.platformType ?? 'NONE',
        spaceId: space.id,
        ownerId: ctx.credential.user,
        description: body.description,
        createdAt: new Date(ctx.now).toISOString(),
        settings: {},
        connectionVars,
        bindings,
        nameToIdMap: computeNameToIdMap(ctx.tenant, bindings),
        declared,
        tasks: [],
        importCount: 0
      }
      ctx.tenant.projects.push(p)
      return ok(projectItem(p), 201)
    }
  },
  {
    method: 'GET',
    path: '/api/v1/di-projects/actions/:actionId',
    tier: 'tier1',
    write: false,
    handler: (ctx) => {
      const id = ctx.params.actionId as string
      const a = ctx.core.engine.get(id)
      if (!a || a.tenant !== ctx.tenant.name) throw notFound(`Action '${id}' was not found.`)
      return ok(ctx.core.engine.status(a, ctx.now, boolQuery(ctx, 'detailed')))
    }
  },
  {
    method: 'POST',
    path: '/api/v1/di-projects/utils/actions/validate-project-definitions',
    tier: 'tier2',
    write: false,
    handler: async (ctx) => {
      const zip = await multipartZip(ctx)
      try {
        return ok({ reports: readPackage(zip).reports })
      } catch (e) {
        if (e instanceof PackageError) throw badRequest(e.message, 'zip')
        throw e
      }
    }
  },
  {
    method: 'GET',
    path: '/api/v1/di-projects/:projectId',
    tier: 'tier1',
    write: false,
    handler: (ctx) => ok(projectItem(getProject(ctx)))
  },
  {
    method: 'POST',
    path: '/api/v1/di-projects/:projectId/actions/export',
    tier: 'tier2',
    write: false,
    handler: (ctx) => {
      const p = getProject(ctx)
      const accept = String(ctx.headers.accept ?? '*/*')
      if (!/application\/octet-stream|\*\/\*|application\/\*/.test(accept)) {
        throw new SimHttpError(
          406,
          'HTTP-406',
          'Not Acceptable',
          "Only 'application/octet-stream' is supported."
        )
      }
      const body = jsonBody(ctx, exportSchema)
      const zip = buildPackage(p, body.mode, body.includeBindings)
      const file = `${p.name.replace(/[^A-Za-z0-9_.-]+/g, '_')}.zip`
      return {
        status: 200,
        body: zip,
        contentType: 'application/octet-stream',
        headers: { 'content-disposition': `attachment; filename="${file}"` }
      }
    }
  },
  {
    method: 'POST',
    path: '/api/v1/di-projects/:projectId/actions/import',
    tier: 'tier2',
    write: true,
    handler: async (ctx) => {
      const p = getProject(ctx)
      const pkg = await parseUpload(ctx)
      if (pkg.format === 'YAML') {
        throw badRequest(
          'This endpoint imports LEGACY (JSON) packages only. Import YAML packages with POST /api/v1/di-projects/{projectId}/actions/import-async.',
          'zip'
        )
      }
      ensureIdle(ctx, p)
      const errors = importErrors(ctx.tenant, p, pkg)
      if (errors.length > 0) {
        const items = errors.map((e) => ({
          code: e.code,
          title: e.message,
          detail: e.details,
          status: 400
        }))
        throw new SimHttpError(400, items[0]!.code, items[0]!.title, items[0]!.detail, {
          more: items.slice(1)
        })
      }
      applyImport(ctx.tenant, p, pkg)
      return ok({})
    }
  },
  {
    method: 'POST',
    path: '/api/v1/di-projects/:projectId/actions/import-async',
    tier: 'tier2',
    write: true,
    handler: async (ctx) => {
      const p = getProject(ctx)
      const pkg = await parseUpload(ctx)
      ensureIdle(ctx, p)
      const errors = importErrors(ctx.tenant, p, pkg)
      const taskOf = (e: ActionError): string | undefined =>
        /'task\.([^.']+)\./.exec(e.message)?.[1]
      const tasks: ActionTaskPlan[] = pkg.tasks.map((t) => {
        const own = errors.filter((e) => taskOf(e) === t.id)
        return own.length > 0
          ? {
              taskId: t.id,
              name: t.name,
              outcome: 'FAILED',
              error: own[0]!,
              info: own.map((e) => e.message).join(' ')
            }
          : { taskId: t.id, name: t.name, outcome: 'COMPLETED', info: 'Imported.' }
      })
      const error: ActionError | undefined =
        errors.length > 0
          ? {
              code: 'DI-IMPORT-FAILED',
              message: `Import into project '${p.name}' failed with ${errors.length} error(s).`,
              details: errors.map((e) => e.message).join(' | ')
            }
          : undefined
      return startAction(
        ctx,
        p,
        'PROJECT_IMPORT',
        `Import ${pkg.format} package into ${p.name}`,
        tasks,
        (outcome) => {
          if (outcome === 'COMPLETED') applyImport(ctx.tenant, p, pkg)
        },
        error
      )
    }
  },
  {
    method: 'POST',
    path: '/api/v1/di-projects/:projectId/actions/prepare',
    tier: 'tier2',
    write: true,
    handler: (ctx) => {
      const p = getProject(ctx)
      const body = jsonBody(
        ctx,
        z.strictObject({
          allowRecreate: z.boolean().default(false),
          selectedTasks: selectedTasksSchema
        }),
        true
      )
      const tasks = selectTasks(p, body.selectedTasks)
      ensureIdle(ctx, p)
      const platform = platformProblem(ctx, p)
      const plans = tasks.map((t, i) =>
        prepareTaskPlan(ctx, p, t, body.allowRecreate, i === 0 ? platform : undefined)
      )
      return startAction(
        ctx,
        p,
        'PROJECT_PREPARE',
        `Prepare ${p.name}`,
        plans,
        markPrepared(p),
        tasks.length === 0 ? platform : undefined
      )
    }
  },
  {
    method: 'POST',
    path: '/api/v1/di-projects/:projectId/actions/validate',
    tier: 'tier2',
    write: true,
    handler: (ctx) => {
      const p = getProject(ctx)
      const body = jsonBody(ctx, z.strictObject({ selectedTasks: selectedTasksSchema }), true)
      const tasks = selectTasks(p, body.selectedTasks)
      ensureIdle(ctx, p)
      const plans = tasks.map((t) => validateTaskPlan(ctx, p, t))
      return startAction(ctx, p, 'PROJECT_VALIDATE', `Validate ${p.name}`, plans, markValidated(p))
    }
  },
  {
    method: 'GET',
    path: '/api/v1/di-projects/:projectId/bindings',
    tier: 'tier1',
    write: false,
    handler: (ctx) => {
      const p = getProject(ctx)
      if (!boolQuery(ctx, 'recalculate'))
        return ok({ variables: { ...p.bindings }, nameToIdMap: { ...p.nameToIdMap } })
      // recalculated for the answer only: a GET changes nothing that is saved
      const variables = { ...p.bindings }
      for (const v of p.declared) if (!(v in variables)) variables[v] = ''
      return ok({ variables, nameToIdMap: computeNameToIdMap(ctx.tenant, variables) })
    }
  },
  {
    method: 'PUT',
    path: '/api/v1/di-projects/:projectId/bindings',
    tier: 'tier2',
    write: true,
    handler: (ctx) => {
      const p = getProject(ctx)
      const body = jsonBody(ctx, bindingsSchema, true)
      // PUT replaces the saved set: variables left out are gone (send the full, merged set).
      p.bindings = { ...body.variables }
      p.nameToIdMap = computeNameToIdMap(ctx.tenant, p.bindings)
      return ok({})
    }
  },
  {
    method: 'GET',
    path: '/api/v1/di-projects/:projectId/di-tasks',
    tier: 'tier1',
    write: false,
    handler: (ctx) => {
      const p = getProject(ctx)
      return ok({ dataTasks: p.tasks.map((t) => taskItem(p, t)) })
    }
  },
  {
    method: 'GET',
    path: '/api/v1/di-projects/:projectId/di-tasks/:dataTaskId',
    tier: 'tier1',
    write: false,
    handler: (ctx) => {
      const p = getProject(ctx)
      return ok(taskItem(p, task(ctx, p)))
    }
  },
  {
    method: 'POST',
    path: '/api/v1/di-projects/:projectId/di-tasks/:dataTaskId/actions/prepare',
    tier: 'tier2',
    write: true,
    handler: (ctx) => {
      const p = getProject(ctx)
      const t = task(ctx, p)
      const body = jsonBody(ctx, z.strictObject({ allowRecreate: z.boolean() }), true)
      ensureIdle(ctx, p)
      const plan = prepareTaskPlan(ctx, p, t, body.allowRecreate)
      return startAction(ctx, p, 'TASK_PREPARE', `Prepare ${t.name}`, [plan], markPrepared(p))
    }
  },
  {
    method: 'POST',
    path: '/api/v1/di-projects/:projectId/di-tasks/:dataTaskId/actions/validate',
    tier: 'tier2',
    write: true,
    handler: (ctx) => {
      const p = getProject(ctx)
      const t = task(ctx, p)
      jsonBody(ctx, z.object({}))
      ensureIdle(ctx, p)
      return startAction(
        ctx,
        p,
        'TASK_VALIDATE',
        `Validate ${t.name}`,
        [validateTaskPlan(ctx, p, t)],
        markValidated(p)
      )
    }
  },
  {
    method: 'POST',
    path: '/api/v1/di-projects/:projectId/di-tasks/:dataTaskId/actions/recreate-datasets',
    tier: 'tier2',
    write: true,
    handler: (ctx) => {
      const p = getProject(ctx)
      const t = task(ctx, p)
      jsonBody(ctx, z.object({}))
      ensureIdle(ctx, p)
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
  },
  {
    method: 'POST',
    path: '/api/v1/di-projects/:projectId/di-tasks/:dataTaskId/actions/request-reload',
    tier: 'tier2',
    write: true,
    handler: (ctx) => {
      const p = getProject(ctx)
      const t = task(ctx, p)
      const body = jsonBody(
        ctx,
        z.strictObject({
          reloadStrategy: z.enum(['NONE', 'TRUNCATE', 'COMPARE_AND_APPLY']).optional(),
          selectedDatasets: z
            .array(z.strictObject({ datasetId: z.string().optional() }))
            .default([])
        }),
        true
      )
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
  },
  {
    method: 'POST',
    path: '/api/v1/di-projects/:projectId/di-tasks/:dataTaskId/runtime/actions/start',
    tier: 'tier2',
    write: true,
    handler: (ctx) => {
      const p = getProject(ctx)
      const t = task(ctx, p)
      const body = jsonBody(ctx, startSchema)
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
      if (last && isRunActive(runStateAt(last, ctx.now, timing))) {
        throw conflict(`Task '${t.name}' is already running (run ${last.runId}).`)
      }
      startRun(t, ctx.now, timing)
      return { status: 204 }
    }
  },
  {
    method: 'POST',
    path: '/api/v1/di-projects/:projectId/di-tasks/:dataTaskId/runtime/actions/stop',
    tier: 'tier2',
    write: true,
    handler: (ctx) => {
      const p = getProject(ctx)
      const t = task(ctx, p)
      const last = t.runs.at(-1)
      const state = last ? runStateAt(last, ctx.now, ctx.core.config.timing) : undefined
      if (!last || state === undefined || !isRunActive(state) || state === 'STOPPING') {
        throw conflict(`Task '${t.name}' is not running.`)
      }
      last.stoppedAt = ctx.now
      return { status: 204 }
    }
  },
  {
    method: 'GET',
    path: '/api/v1/di-projects/:projectId/di-tasks/:dataTaskId/runtime/state',
    tier: 'runtimeState',
    write: false,
    handler: (ctx) => {
      const p = getProject(ctx)
      const t = task(ctx, p)
      return ok(runtimeStateBody(t, t.runs.at(-1), ctx.now, ctx.core.config.timing))
    }
  },
  {
    method: 'GET',
    path: '/api/v1/di-projects/:projectId/di-tasks/:dataTaskId/runtime/state/datasets',
    tier: 'runtimeState',
    write: false,
    handler: (ctx) => ok({ datasets: datasetStates(ctx, undefined) })
  },
  {
    method: 'POST',
    path: '/api/v1/di-projects/:projectId/di-tasks/:dataTaskId/runtime/runs/actions/search',
    // Tier 2 in the current reference (and @qlik/api 2.19)
    tier: 'tier2',
    write: false,
    handler: (ctx) => {
      const p = getProject(ctx)
      const t = task(ctx, p)
      const body = jsonBody(
        ctx,
        z.strictObject({
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
      )
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
  },
  {
    method: 'GET',
    path: '/api/v1/di-projects/:projectId/di-tasks/:dataTaskId/runtime/runs/:runId/state',
    tier: 'tier1',
    write: false,
    handler: (ctx) => {
      const p = getProject(ctx)
      const t = task(ctx, p)
      const run = findRun(ctx, t)
      return ok(runInstance(t, run, ctx.now, ctx.core.config.timing))
    }
  },
  {
    method: 'GET',
    path: '/api/v1/di-projects/:projectId/di-tasks/:dataTaskId/runtime/runs/:runId/state/datasets',
    tier: 'tier1',
    write: false,
    handler: (ctx) => {
      const p = getProject(ctx)
      const t = task(ctx, p)
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
      return ok({ datasets: datasetStates(ctx, run) })
    }
  }
]

function findRun(ctx: Ctx, t: DataTask): DataTask['runs'][number] {
  const id = ctx.params.runId as string
  const run = t.runs.find((r) => r.runId === id)
  if (!run) throw notFound(`Run '${id}' of task '${t.name}' was not found.`)
  return run
}

function datasetStates(
  ctx: Ctx,
  run: DataTask['runs'][number] | undefined
): Array<Record<string, unknown>> {
  const p = getProject(ctx)
  const t = task(ctx, p)
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
