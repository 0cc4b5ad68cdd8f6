/**
 * Conformance: drive the simulator with @qlik/api, Qlik's own TypeScript client, through every
 * endpoint it covers, and check each response against the documented shape (the types of
 * @qlik/api 2.19 and the seeds). `noCache: true` everywhere: @qlik/api caches GETs otherwise.
 */
import * as diProjects from '@qlik/api/di-projects'
import * as spaces from '@qlik/api/spaces'
import * as tasks from '@qlik/api/tasks'
import * as dataStores from '@qlik/api/data-stores'
import { z } from 'zod'
import type { Simulator } from '../../src/simulator/server.js'
import { startDemo } from '../helpers/sim.js'

const ACTION_STATES = [
  'PENDING',
  'EXECUTING',
  'COMPLETED',
  'FAILED',
  'CANCELED',
  'SKIPPED'
] as const
const errorShape = z.object({ code: z.string(), details: z.string(), message: z.string() })
const projectShape = z.object({
  id: z.string(),
  name: z.string(),
  type: z.enum(['DATA_PIPELINE', 'DATA_MOVEMENT']),
  platformType: z.string(),
  ownerId: z.string(),
  spaceId: z.string(),
  description: z.string()
})
const taskShape = z.object({
  id: z.string(),
  name: z.string(),
  type: z.string(),
  ownerId: z.string(),
  spaceId: z.string(),
  description: z.string()
})
const actionShape = z.object({
  name: z.string(),
  type: z.enum([
    'PROJECT_PREPARE',
    'PROJECT_VALIDATE',
    'TASK_PREPARE',
    'TASK_VALIDATE',
    'PROJECT_IMPORT'
  ]),
  state: z.enum(ACTION_STATES),
  startTime: z.string().nullable(),
  endTime: z.string().nullable(),
  // @qlik/api: optional, never null (absent when the action has no error)
  error: errorShape.optional(),
  taskProgress: z.object({
    pending: z.number(),
    executing: z.number(),
    completed: z.number(),
    failed: z.number(),
    canceled: z.number(),
    skipped: z.number()
  }),
  taskDetails: z
    .array(
      z.object({
        taskId: z.string(),
        name: z.string(),
        state: z.enum(ACTION_STATES),
        info: z.string().optional(),
        error: errorShape.optional()
      })
    )
    .nullable()
})
const runtimeShape = z.object({
  name: z.string(),
  type: z.string(),
  runReadiness: z.object({
    state: z.enum(['READY_TO_RUN', 'ALREADY_RUNNING', 'NOT_RUNNABLE']),
    message: z.string()
  }),
  lastRun: z
    .object({
      state: z.enum(['STARTING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELED', 'STOPPING']),
      startTime: z.string(),
      duration: z.string().regex(/^\d\d:\d\d:\d\d$/),
      errors: z.array(z.object({ code: z.string(), title: z.string() })),
      general: z.object({ datasetCount: z.number() }),
      fullLoad: z.object({
        completedCount: z.number(),
        errorCount: z.number(),
        loadingCount: z.number(),
        queuedCount: z.number()
      })
    })
    .optional()
})

let sim: Simulator
let opts: { hostConfig: { host: string; authType: 'apikey'; apiKey: string }; noCache: true }
beforeAll(async () => {
  sim = await startDemo()
  const dev = sim.tenantInfo('dev')
  opts = { hostConfig: { host: dev.url, authType: 'apikey', apiKey: dev.apiKey }, noCache: true }
})
afterAll(async () => {
  await sim.close()
})

async function waitFor(actionId: string): Promise<z.infer<typeof actionShape>> {
  for (let i = 0; i < 500; i++) {
    const r = await diProjects.getDiProject(actionId, { detailed: true }, opts)
    const s = actionShape.parse(r.data)
    if (!['PENDING', 'EXECUTING'].includes(s.state)) return s
    await new Promise((res) => setTimeout(res, 10))
  }
  throw new Error('action did not finish')
}

describe('@qlik/api against the simulator', () => {
  it('projects: list, get, create, bindings, export, validate definitions, import-async, prepare, validate', async () => {
    const list = await diProjects.getDiProjects({}, opts)
    const projects = z.object({ projects: z.array(projectShape) }).parse(list.data).projects
    const src = projects.find((p) => p.name === 'Sales pipeline')!
    // @qlik/api 2.19 has no function for GET /di-projects/{id} (its getDiProject reads an action)
    expect(projectShape.parse(await getProject(src.id)).id).toBe(src.id)
    const bySpace = await diProjects.getDiProjects({ spaceId: src.spaceId }, opts)
    expect(bySpace.data.projects?.length).toBe(2)

    const bindings = await diProjects.getDiProjectExportVariables(
      src.id,
      { recalculate: true },
      opts
    )
    const b = z
      .object({
        variables: z.record(z.string(), z.string().nullable()),
        nameToIdMap: z.record(z.string(), z.string())
      })
      .parse(bindings.data)
    expect(Object.keys(b.nameToIdMap)).toContain('{{id(connection, DEV_DATA.snowflake_dev)}}')

    const exp = await diProjects.exportDiProject(
      src.id,
      { mode: 'MINIMAL', includeBindings: false },
      opts
    )
    expect(exp.status).toBe(200)
    const zip = new Uint8Array(await (exp.data as Blob).arrayBuffer())
    expect(zip[0]).toBe(0x50)

    const defs = await diProjects.validateProjectDefinitions({ zip: new Blob([zip]) }, opts)
    z.object({
      reports: z.array(
        z.object({ level: z.enum(['WARNING', 'ERROR']), path: z.string(), reason: z.string() })
      )
    }).parse(defs.data)

    const created = await diProjects.createDiProject(
      {
        name: 'Sales pipeline copy',
        type: 'DATA_PIPELINE',
        platformType: 'SNOWFLAKE',
        space: src.spaceId,
        description: 'copy'
      },
      opts
    )
    expect(created.status).toBe(201)
    const target = projectShape.parse(created.data)
    const vars = { ...b.variables, projectName: 'Sales pipeline copy' } as Record<string, string>
    const put = await diProjects.setDiProjectExportVariables(target.id, { variables: vars }, opts)
    expect(put.status).toBe(200)

    const imp = await diProjects.importAsyncDiProject(target.id, { zip: new Blob([zip]) }, opts)
    expect(imp.status).toBe(202)
    const impDone = await waitFor(z.object({ actionId: z.string() }).parse(imp.data).actionId)
    expect(impDone).toMatchObject({ type: 'PROJECT_IMPORT', state: 'COMPLETED' })

    const prep = await diProjects.prepareDiProject(
      target.id,
      { allowRecreate: false, selectedTasks: [] },
      opts
    )
    expect(prep.status).toBe(202)
    expect((await waitFor(prep.data.actionId)).state).toBe('COMPLETED')
    const val = await diProjects.validateDiProject(
      target.id,
      { selectedTasks: [{ taskId: 'landing_orders' }] },
      opts
    )
    const valDone = await waitFor(val.data.actionId)
    expect(valDone.state).toBe('COMPLETED')
    expect(valDone.taskDetails?.map((t) => t.taskId)).toEqual(['landing_orders'])

    // the legacy import through the official client: a YAML package is refused with 400
    await expect(
      diProjects.importDiProject(target.id, { zip: new Blob([zip]) }, opts)
    ).rejects.toMatchObject({ status: 400 })
  })

  it('data tasks: list, get, prepare, validate, recreate-datasets, request-reload, runtime, runs', async () => {
    const src = sim.state('dev').projects.find((p) => p.name === 'Sales pipeline')!
    const list = await diProjects.getDiProjectDiTasks(src.id, opts)
    z.object({ dataTasks: z.array(taskShape) }).parse(list.data)
    taskShape.parse((await diProjects.getDiProjectDiTask(src.id, 'landing_orders', opts)).data)

    const tp = await diProjects.prepareDiProjectDiTask(
      src.id,
      'landing_orders',
      { allowRecreate: false },
      opts
    )
    expect((await waitFor(tp.data.actionId)).type).toBe('TASK_PREPARE')
    const tv = await diProjects.validateDiProjectDiTask(src.id, 'landing_orders', {}, opts)
    expect((await waitFor(tv.data.actionId)).type).toBe('TASK_VALIDATE')
    const rc = await diProjects.recreateDatasetsDiProjectDiTask(src.id, 'landing_orders', {}, opts)
    expect((await waitFor(rc.data.actionId)).state).toBe('COMPLETED')
    const rr = await diProjects.requestReloadDiProjectDiTask(
      src.id,
      'landing_orders',
      { reloadStrategy: 'TRUNCATE', selectedDatasets: [{ datasetId: 'orders' }] },
      opts
    )
    expect(rr.data).toEqual({ success: true })

    runtimeShape.parse(
      (await diProjects.getDiProjectDiTaskRuntimeState(src.id, 'landing_orders', opts)).data
    )
    const start = await diProjects.startDiProjectDiTaskRuntime(src.id, 'landing_orders', opts)
    expect(start.status).toBe(204)
    const st = runtimeShape.parse(
      (await diProjects.getDiProjectDiTaskRuntimeState(src.id, 'landing_orders', opts)).data
    )
    expect(['STARTING', 'RUNNING']).toContain(st.lastRun?.state)
    const stop = await diProjects.stopDiProjectDiTaskRuntime(src.id, 'landing_orders', opts)
    expect(stop.status).toBe(204)
    const ds = await diProjects.getDiProjectDiTaskRuntimeStateDatasets(
      src.id,
      'landing_orders',
      opts
    )
    z.object({
      datasets: z.array(
        z.object({
          datasetId: z.string(),
          name: z.string(),
          dataReadiness: z.enum(['READY', 'NOT_READY', 'ERROR'])
        })
      )
    }).parse(ds.data)
    const runs = await diProjects.searchDiProjectDiTaskRuntimeRuns(
      src.id,
      'landing_orders',
      { limit: 10 },
      opts
    )
    const r = z
      .object({
        runs: z.array(z.object({ runId: z.string(), status: z.string(), startTime: z.string() })),
        nextPageExists: z.boolean()
      })
      .parse(runs.data)
    const runId = r.runs[0]!.runId
    z.object({ lastRun: z.object({ state: z.string() }) }).parse(
      (await diProjects.getDiProjectDiTaskRuntimeRunState(src.id, 'landing_orders', runId, opts))
        .data
    )
    z.object({ datasets: z.array(z.object({ datasetId: z.string() })) }).parse(
      (
        await diProjects.getDiProjectDiTaskRuntimeRunStateDatasets(
          src.id,
          'landing_orders',
          runId,
          opts
        )
      ).data
    )
  })

  it('spaces, tasks and data stores: documented list shapes', async () => {
    const s = await spaces.getSpaces({ name: 'dev', limit: 2 }, opts)
    const page = z
      .object({
        data: z.array(
          z.object({
            id: z.string(),
            name: z.string(),
            type: z.string(),
            tenantId: z.string(),
            links: z.object({ self: z.object({ href: z.string() }) })
          })
        ),
        links: z.object({
          self: z.object({ href: z.string() }),
          next: z.object({ href: z.string() }).optional()
        }),
        meta: z.object({ count: z.number() })
      })
      .parse(s.data)
    expect(page.data).toHaveLength(2)
    expect(page.links.next).toBeDefined()
    expect((await spaces.getSpace(page.data[0]!.id, opts)).data.id).toBe(page.data[0]!.id)

    const t = await tasks.getTasks({}, opts)
    const task = z
      .object({
        data: z.array(z.object({ id: z.string(), name: z.string(), resourceId: z.string() }))
      })
      .parse(t.data).data[0]!
    expect((await tasks.startTask(task.id, { source: 'manual' }, opts)).status).toBe(200)
    const last = await tasks.getLastTaskRun(task.id, opts)
    z.object({
      id: z.string(),
      actionId: z.string(),
      taskId: z.string(),
      status: z.enum(['RUNNING', 'SUCCEEDED', 'FAILED'])
    }).parse(last.data)
    expect((await tasks.getTaskRuns(task.id, {}, opts)).data.data).toHaveLength(1)

    const d = await dataStores.getDataStores({ limit: 3 }, opts)
    z.object({
      data: z.array(z.object({ id: z.string(), name: z.string() })),
      limit: z.number(),
      page: z.number(),
      pages: z.number(),
      total: z.number()
    }).parse(d.data)
  })

  it('OAuth machine-to-machine through @qlik/api', async () => {
    const dev = sim.tenantInfo('dev')
    const oauth = {
      hostConfig: {
        host: dev.url,
        authType: 'oauth2' as const,
        clientId: dev.clientId,
        clientSecret: dev.clientSecret
      },
      noCache: true
    }
    const list = await diProjects.getDiProjects({}, oauth)
    expect(list.data.projects?.length).toBeGreaterThanOrEqual(2)
    expect(
      sim.requests({ tenant: 'dev' }).some((r) => r.path === '/oauth/token' && r.status === 200)
    ).toBe(true)
  })

  it('errors come back in Qlik shape through the client', async () => {
    await expect(diProjects.getDiProjectExportVariables('missing', {}, opts)).rejects.toMatchObject(
      {
        status: 404,
        data: {
          errors: [expect.objectContaining({ code: 'HTTP-404', status: 404 })],
          traceId: expect.any(String)
        }
      }
    )
  })
})

async function getProject(id: string): Promise<unknown> {
  const dev = sim.tenantInfo('dev')
  const r = await fetch(`${dev.url}/api/v1/di-projects/${id}`, {
    headers: { authorization: `Bearer ${dev.apiKey}` }
  })
  return r.json()
}
