import { z } from 'zod'
import { EXPORT_MODES, PLATFORM_TYPES, PROJECT_TYPES } from '../../qlik/vocabulary.js'
import { boolQuery, ensureIdle, jsonBody, multipartZip, ok, route, type Route } from '../context.js'
import type { ActionError, ActionTaskPlan } from '../engine/actions.js'
import { connectionForCreate, platformProblem } from '../engine/connections.js'
import { applyImport, importErrors, parseUpload } from '../engine/import.js'
import { buildPackage, PackageError, readPackage } from '../engine/packages.js'
import {
  markPrepared,
  markValidated,
  prepareTaskPlan,
  selectedTasksSchema,
  selectTasks,
  validateTaskPlan
} from '../engine/prepare.js'
import { startAction } from '../engine/start-action.js'
import { badRequest, SimHttpError } from '../errors.js'
import {
  computeNameToIdMap,
  findConnection,
  findSpace,
  newId,
  parseConnectionExpression,
  type DataTask,
  type Project
} from '../state.js'

/** The Data Integration Projects API (`/api/v1/di-projects`): projects, export, import, bindings. */

export const projectItem = (p: Project): Record<string, unknown> => ({
  id: p.id,
  name: p.name,
  type: p.type,
  platformType: p.platformType,
  ownerId: p.ownerId,
  spaceId: p.spaceId,
  description: p.description
})

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
  mode: z.enum(EXPORT_MODES).default('LEGACY'),
  includeBindings: z.boolean().default(false)
})

const bindingsSchema = z.strictObject({
  variables: z.record(z.string(), z.string().nullable())
})

/** Qlik's 400 for an import refused before it starts: one item per error. */
function importRefused(errors: ActionError[]): SimHttpError {
  const items = errors.map((e) => ({
    code: e.code,
    title: e.message,
    detail: e.details,
    status: 400
  }))
  return new SimHttpError(400, items[0]!.code, items[0]!.title, items[0]!.detail, {
    more: items.slice(1)
  })
}

export const diProjectRoutes: Route[] = [
  route('GET /api/v1/di-projects', { tier: 'tier1', write: false }, (ctx) => {
    const spaceId = ctx.url.searchParams.get('spaceId')
    const list = ctx.tenant.projects.filter((p) => !spaceId || p.spaceId === spaceId)
    return ok({ projects: list.map(projectItem) })
  }),
  route(
    'POST /api/v1/di-projects',
    { tier: 'tier2', write: true, body: createSchema, bodyRequired: true },
    (ctx, { body }) => {
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
  ),
  route(
    'POST /api/v1/di-projects/utils/actions/validate-project-definitions',
    { tier: 'tier2', write: false },
    async (ctx) => {
      const zip = await multipartZip(ctx)
      try {
        return ok({ reports: readPackage(zip).reports })
      } catch (e) {
        if (e instanceof PackageError) throw badRequest(e.message, 'zip')
        throw e
      }
    }
  ),
  route(
    'GET /api/v1/di-projects/:projectId',
    { tier: 'tier1', write: false, project: true },
    (_ctx, { project }) => ok(projectItem(project))
  ),
  route(
    'POST /api/v1/di-projects/:projectId/actions/export',
    { tier: 'tier2', write: false, project: true },
    (ctx, { project: p }) => {
      const accept = String(ctx.headers.accept ?? '*/*')
      if (!/application\/octet-stream|\*\/\*|application\/\*/.test(accept)) {
        throw new SimHttpError(
          406,
          'HTTP-406',
          'Not Acceptable',
          "Only 'application/octet-stream' is supported."
        )
      }
      // the Accept header is checked before the body
      const body = jsonBody(ctx, exportSchema)
      const zip = buildPackage(p, body.mode, body.includeBindings, (value) => {
        const ref = value ? parseConnectionExpression(value) : undefined
        return ref ? findConnection(ctx.tenant, ref.space, ref.name)?.type : undefined
      })
      const file = `${p.name.replace(/[^A-Za-z0-9_.-]+/g, '_')}.zip`
      return {
        status: 200,
        body: zip,
        contentType: 'application/octet-stream',
        headers: { 'content-disposition': `attachment; filename="${file}"` }
      }
    }
  ),
  route(
    'POST /api/v1/di-projects/:projectId/actions/import',
    { tier: 'tier2', write: true, project: true },
    async (ctx, { project: p }) => {
      const pkg = await parseUpload(ctx)
      if (pkg.format === 'YAML') {
        throw badRequest(
          'This endpoint imports LEGACY (JSON) packages only. Import YAML packages with POST /api/v1/di-projects/{projectId}/actions/import-async.',
          'zip'
        )
      }
      ensureIdle(ctx, p)
      const errors = importErrors(ctx.tenant, p, pkg)
      if (errors.length > 0) throw importRefused(errors)
      applyImport(ctx.tenant, p, pkg)
      return ok({})
    }
  ),
  route(
    'POST /api/v1/di-projects/:projectId/actions/import-async',
    { tier: 'tier2', write: true, project: true },
    async (ctx, { project: p }) => {
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
  ),
  route(
    'POST /api/v1/di-projects/:projectId/actions/prepare',
    {
      tier: 'tier2',
      write: true,
      project: true,
      body: z.strictObject({
        allowRecreate: z.boolean().default(false),
        selectedTasks: selectedTasksSchema
      }),
      bodyRequired: true
    },
    (ctx, { project: p, body }) => {
      const tasks: DataTask[] = selectTasks(p, body.selectedTasks)
      ensureIdle(ctx, p)
      const platform = platformProblem(ctx.tenant, p)
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
  ),
  route(
    'POST /api/v1/di-projects/:projectId/actions/validate',
    {
      tier: 'tier2',
      write: true,
      project: true,
      body: z.strictObject({ selectedTasks: selectedTasksSchema }),
      bodyRequired: true
    },
    (ctx, { project: p, body }) => {
      const tasks = selectTasks(p, body.selectedTasks)
      ensureIdle(ctx, p)
      const plans = tasks.map((t) => validateTaskPlan(ctx, p, t))
      return startAction(ctx, p, 'PROJECT_VALIDATE', `Validate ${p.name}`, plans, markValidated(p))
    }
  ),
  route(
    'GET /api/v1/di-projects/:projectId/bindings',
    { tier: 'tier1', write: false, project: true },
    (ctx, { project: p }) => {
      if (!boolQuery(ctx, 'recalculate'))
        return ok({ variables: { ...p.bindings }, nameToIdMap: { ...p.nameToIdMap } })
      // recalculated for the answer only: a GET changes nothing that is saved
      const variables = { ...p.bindings }
      for (const v of p.declared) if (!(v in variables)) variables[v] = ''
      return ok({ variables, nameToIdMap: computeNameToIdMap(ctx.tenant, variables) })
    }
  ),
  route(
    'PUT /api/v1/di-projects/:projectId/bindings',
    { tier: 'tier2', write: true, project: true, body: bindingsSchema, bodyRequired: true },
    (ctx, { project: p, body }) => {
      // PUT replaces the saved set: variables left out are gone (send the full, merged set).
      p.bindings = { ...body.variables }
      p.nameToIdMap = computeNameToIdMap(ctx.tenant, p.bindings)
      return ok({})
    }
  )
]
