/**
 * Qlik's own client against the simulator. Every call goes through a function of @qlik/api 2.19
 * (Qlik's client, generated from its OpenAPI specifications), over real HTTP, in the order of a
 * promotion and of what the product reads after it; each answer is checked against that function's
 * declared types, read from its .d.ts with the TypeScript compiler (helpers/documented.ts): the
 * status among the declared ones, a JSON content type where JSON is declared, every required key,
 * no undeclared key, value types and enum values, for answers and for error bodies alike.
 *
 * Where a real tenant is known to answer other than the generated types, the exception is listed
 * once, with its source (EXCEPTIONS). Nothing else may differ.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { Simulator } from '../../src/simulator/server.js'
import { conformance, documented, type Shape } from '../helpers/documented.js'
import { PROD_BINDINGS_YAML } from '../helpers/pipeline.js'
import { startDemo } from '../helpers/sim.js'
import { parse } from 'yaml'

/**
 * Known differences of real tenants from the generated types, as JSON pointers per function.
 * qlik.dev's tutorial "Deploy a data integration project" shows a completed action answering
 * `"startTime": null, "endTime": null` and, without detailed=true, `"taskDetails": null`.
 */
const EXCEPTIONS: Record<string, RegExp[]> = {
  getDiProject: [/^\/(startTime|endTime|taskDetails): null where/]
}

/** An answer's data, as JSON: read by key in the flow below. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Answer = any
type Fn = (...args: unknown[]) => Promise<{ status: number; data: unknown; headers: Headers }>
type Module = Record<string, Fn>

let sim: Simulator
const modules = new Map<string, Module>()
const problems: Record<string, string[]> = {}
const seen = new Set<string>()

beforeAll(async () => {
  sim = await startDemo()
  for (const m of ['di-projects', 'spaces', 'data-connections', 'data-stores', 'tasks'])
    modules.set(m, ((await import(`@qlik/api/${m}`)) as { default: Module }).default)
})
afterAll(async () => {
  await sim.close()
})

const hostConfig = (tenant: string) => {
  const info = sim.tenantInfo(tenant)
  return { host: info.url, authType: 'apikey' as const, apiKey: info.apiKey }
}

const prop = (s: Shape, key: string): Shape | undefined =>
  s.kind === 'object' ? s.props.get(key) : undefined

/** The statuses a response or error type declares (its `status` literal or union). */
const statuses = (s: Shape): number[] => {
  const st = prop(s, 'status')
  return st?.kind === 'enum' ? ([...st.values] as number[]) : []
}

/**
 * Call `fn` of `@qlik/api/<module>` on a tenant and check the answer, success or error, against the
 * function's declared `<Fn>HttpResponse` or `<Fn>HttpError`. Answers the data (or the error's).
 */
async function call(
  tenant: string,
  module: string,
  fn: string,
  args: unknown[],
  expect: 'ok' | 'error' = 'ok'
): Promise<Answer> {
  const type = fn[0]!.toUpperCase() + fn.slice(1)
  const what = `${module} ${fn}${expect === 'error' ? ' (error)' : ''}`
  seen.add(what)
  const found: string[] = []
  let status = 0
  let data: unknown
  let headers: Headers | undefined
  try {
    const r = await modules.get(module)![fn]!(...args, {
      hostConfig: hostConfig(tenant),
      noCache: true
    })
    ;({ status, data, headers } = r)
    if (expect === 'error') found.push(`answered ${status} where an error was expected`)
  } catch (e) {
    const err = e as { status?: number; data?: unknown; headers?: Headers }
    if (typeof err.status !== 'number') throw e
    ;({ status, data } = err as { status: number; data: unknown })
    headers = err.headers
    if (expect === 'ok') found.push(`answered ${status}: ${JSON.stringify(data).slice(0, 300)}`)
  }
  const declared = documented(module, `${type}${status < 400 ? 'HttpResponse' : 'HttpError'}`)
  const allowed = statuses(declared)
  if (allowed.length && !allowed.includes(status))
    found.push(`status ${status}, Qlik declares ${allowed.join(' | ')}`)
  const body = prop(declared, 'data')
  if (body && (body.kind === 'object' || body.kind === 'array') && status !== 204) {
    const ct = headers?.get('content-type') ?? ''
    if (!/json/.test(ct)) found.push(`content type ${ct || 'none'} where JSON is declared`)
    const skip = EXCEPTIONS[fn] ?? []
    found.push(...conformance(data, body).filter((p) => !skip.some((x) => x.test(p))))
  }
  if (found.length) problems[what] = [...(problems[what] ?? []), ...found]
  return data
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

async function finished(tenant: string, actionId: string, detailed: boolean): Promise<Answer> {
  for (let i = 0; i < 500; i++) {
    const s = await call(tenant, 'di-projects', 'getDiProject', [actionId, { detailed }])
    if (!['PENDING', 'EXECUTING'].includes(s.state)) return s
    await sleep(10)
  }
  throw new Error(`action ${actionId} did not end`)
}

describe("Qlik's own client (@qlik/api) against the simulator", () => {
  it('a promotion, and what the product reads after it: every answer as Qlik declares it', async () => {
    // the source: find, read the bindings, export, list tasks and their runtime
    const list = await call('dev', 'di-projects', 'getDiProjects', [{}])
    const src = list.projects.find((p: { name: string }) => p.name === 'Sales pipeline')
    await call('dev', 'di-projects', 'getDiProjectExportVariables', [src.id, {}])
    await call('dev', 'di-projects', 'exportDiProject', [src.id, { mode: 'MINIMAL' }])
    const tasks = await call('dev', 'di-projects', 'getDiProjectDiTasks', [src.id])
    const taskId = tasks.dataTasks?.[0]?.id
    expect(taskId).toBeTruthy()
    await call('dev', 'di-projects', 'getDiProjectDiTask', [src.id, taskId])
    await call('dev', 'di-projects', 'getDiProjectDiTaskRuntimeState', [src.id, taskId])
    await call('dev', 'di-projects', 'searchDiProjectDiTaskRuntimeRuns', [src.id, taskId, {}])

    // spaces, connections and the catalog, as the checks before the first write read them
    const spaces = await call('prod', 'spaces', 'getSpaces', [{ name: 'PROD_PIPELINES' }])
    const space = spaces.data.find((s: { name: string }) => s.name === 'PROD_PIPELINES')
    await call('prod', 'spaces', 'getSpace', [space.id])
    await call('prod', 'spaces', 'getSpace', ['no-such-space'], 'error')
    const data = (await call('prod', 'spaces', 'getSpaces', [{ name: 'PROD_DATA' }])).data[0]
    await call('prod', 'data-connections', 'getDataConnections', [{ spaceId: data.id }])
    await call('prod', 'data-connections', 'getDataConnection', [
      'snowflake_prod',
      { type: 'connectionname', spaceId: data.id }
    ])
    const conn = await call('prod', 'data-connections', 'getDataConnection', [
      'snowflake_prod',
      { type: 'connectionname', spaceId: data.id }
    ])
    await call('prod', 'data-connections', 'getDataConnection', [conn.qID, {}])
    await call('prod', 'data-connections', 'getDataConnection', ['no-such-connection', {}], 'error')
    await call('prod', 'data-stores', 'getDataStores', [{ limit: 2 }])

    // the target: create, bind, import, prepare, validate, each action waited on
    const created = await call('prod', 'di-projects', 'createDiProject', [
      { name: 'Contract', space: space.id, type: 'DATA_PIPELINE', platformType: 'SNOWFLAKE' }
    ])
    const id = created.id
    const vars = await call('prod', 'di-projects', 'getDiProjectExportVariables', [id, {}])
    await call('prod', 'di-projects', 'setDiProjectExportVariables', [
      id,
      { variables: { ...(vars.variables ?? {}), ...parse(PROD_BINDINGS_YAML) } }
    ])
    const exported = await modules.get('di-projects')!.exportDiProject!(
      src.id,
      { mode: 'MINIMAL' },
      { hostConfig: hostConfig('dev'), noCache: true }
    )
    // the pre-flight: Qlik's definition check of the package
    await call('prod', 'di-projects', 'validateProjectDefinitions', [
      { zip: exported.data as Blob }
    ])
    const imp = await call('prod', 'di-projects', 'importAsyncDiProject', [
      id,
      { zip: exported.data as Blob }
    ])
    expect((await finished('prod', imp.actionId, true)).state).toBe('COMPLETED')
    const prep = await call('prod', 'di-projects', 'prepareDiProject', [id, {}])
    await finished('prod', prep.actionId, false)
    const val = await call('prod', 'di-projects', 'validateDiProject', [id, {}])
    await finished('prod', val.actionId, true)
    await call('prod', 'di-projects', 'getDiProject', ['no-such-action', {}], 'error')

    // a task started, started again (refused), stopped, stopped again (refused)
    const prodTasks = await call('prod', 'di-projects', 'getDiProjectDiTasks', [id])
    const t = prodTasks.dataTasks?.[0]?.id
    expect(t).toBeTruthy()
    await call('prod', 'di-projects', 'startDiProjectDiTaskRuntime', [id, t])
    await call('prod', 'di-projects', 'startDiProjectDiTaskRuntime', [id, t], 'error')
    await call('prod', 'di-projects', 'stopDiProjectDiTaskRuntime', [id, t])
    await sleep(50)
    await call('prod', 'di-projects', 'stopDiProjectDiTaskRuntime', [id, t], 'error')

    // the Tasks API: a downstream reload, its runs and its log
    const qtasks = await call('prod', 'tasks', 'getTasks', [{}])
    const reload = qtasks.data[0]
    await call('prod', 'tasks', 'startTask', [reload.id, { source: 'manual' }])
    await call('prod', 'tasks', 'startTask', [reload.id, { source: 'manual' }], 'error')
    for (let i = 0; i < 100; i++) {
      const last = await call('prod', 'tasks', 'getLastTaskRun', [reload.id])
      if (last.status !== 'RUNNING' && last.status !== 'QUEUED') break
      await sleep(20)
    }
    const runs = await call('prod', 'tasks', 'getTaskRuns', [reload.id, {}])
    await call('prod', 'tasks', 'getTaskRunLog', [reload.id, runs.data[0].id])
    await call('prod', 'tasks', 'getTasksResourceRuns', [reload.resourceId, {}])
    await call('prod', 'tasks', 'getTask', ['no-such-task'], 'error')

    expect(problems).toEqual({})
    // the suite covers what it says it covers
    expect(seen.size).toBeGreaterThanOrEqual(30)
  })

  it('the comparison itself: a wrong type, a missing required key, a value outside an enum, a null', () => {
    const shape = documented('di-projects', 'AsyncActionDetails')
    expect(conformance({ state: 'DONE', name: 1 }, shape)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\/state: "DONE" is not one of/),
        '/name: a number where Qlik declares a string'
      ])
    )
    const run = documented('tasks', 'OrchRun')
    expect(conformance({}, run).some((p) => p.endsWith('required, missing'))).toBe(true)
  })
})
