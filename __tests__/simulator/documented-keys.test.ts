/**
 * The simulator says no more than Qlik: for every endpoint the product calls, each key of the
 * simulator's answer, at every nesting level, must be one Qlik documents. The documented shapes
 * are read from the type declarations of Qlik's own client (@qlik/api 2.19: the `data` of each
 * function's HttpResponse), which are generated from the same API specifications as the seeds'
 * response tables. A key the simulator sends that Qlik does not document would become a feature
 * that breaks on a real tenant.
 */
import { beforeAll, afterAll, describe, expect, it } from '@jest/globals'
import type { Simulator } from '../../src/simulator/server.js'
import { documented, extraKeys, type Shape } from '../helpers/documented.js'
import { client, clientCredentials, startDemo, zipForm, type Reply } from '../helpers/sim.js'

let sim: Simulator
let dev: ReturnType<typeof client>
beforeAll(async () => {
  sim = await startDemo()
  dev = client(sim, 'dev')
})
afterAll(async () => {
  await sim.close()
})

/** The `data` of an @qlik/api function's response type (`<Name>HttpResponse`). */
const dataOf = (module: string, fn: string): Shape => {
  const r = documented(module, `${fn}HttpResponse`)
  const data = r.kind === 'object' ? r.props.get('data') : undefined
  if (!data) throw new Error(`${fn}HttpResponse has no data`)
  return data
}

/** `/oauth/token` has no @qlik/api type: Qlik's answer as qlik.dev documents it. */
const TOKEN: Shape = {
  kind: 'object',
  props: new Map(
    ['access_token', 'token_type', 'expires_in', 'expires_at'].map((k) => [
      k,
      { kind: 'scalar' } as Shape
    ])
  )
}

const undocumented = (r: Reply, shape: Shape): string[] => {
  expect(r.status).toBeLessThan(300)
  return extraKeys(r.json, shape)
}

async function waitFor(actionId: string, detailed: boolean): Promise<Reply> {
  for (let i = 0; i < 500; i++) {
    const r = await dev('GET', `/api/v1/di-projects/actions/${actionId}?detailed=${detailed}`)
    if (!['PENDING', 'EXECUTING'].includes(r.json.state)) return r
    await new Promise((res) => setTimeout(res, 10))
  }
  throw new Error('action did not finish')
}

describe('the simulator answers only keys Qlik documents', () => {
  it('the comparison itself finds an undocumented key at any depth', () => {
    const shape = dataOf('di-projects', 'GetDiProject')
    expect(extraKeys({ state: 'COMPLETED', taskDetails: [{ taskId: 'a' }] }, shape)).toEqual([])
    expect(
      extraKeys({ state: 'COMPLETED', taskDetails: [{ taskId: 'a', startTime: 'x' }] }, shape)
    ).toEqual(['/taskDetails/0/startTime'])
  })

  it('di-projects: projects, bindings, export, import, prepare, validate, action status', async () => {
    const problems: Record<string, string[]> = {}
    const check = (what: string, r: Reply, shape: Shape): void => {
      const extra = undocumented(r, shape)
      if (extra.length) problems[what] = extra
    }
    const list = await dev('GET', '/api/v1/di-projects')
    check('GET /di-projects', list, dataOf('di-projects', 'GetDiProjects'))
    const src = list.json.projects.find((p: { name: string }) => p.name === 'Sales pipeline')
    check(
      'GET /di-projects/{id}',
      await dev('GET', `/api/v1/di-projects/${src.id}`),
      documented('di-projects', 'DiProjectItemRsp')
    )
    for (const q of ['', '?recalculate=true'])
      check(
        `GET bindings${q}`,
        await dev('GET', `/api/v1/di-projects/${src.id}/bindings${q}`),
        dataOf('di-projects', 'GetDiProjectExportVariables')
      )
    const zip = (
      await dev(
        'POST',
        `/api/v1/di-projects/${src.id}/actions/export`,
        { mode: 'MINIMAL' },
        { accept: 'application/octet-stream' }
      )
    ).bytes
    check(
      'POST validate-project-definitions',
      await dev(
        'POST',
        '/api/v1/di-projects/utils/actions/validate-project-definitions',
        zipForm(zip)
      ),
      dataOf('di-projects', 'ValidateProjectDefinitions')
    )
    const created = await dev('POST', '/api/v1/di-projects', {
      name: 'Conformance copy',
      type: 'DATA_PIPELINE',
      platformType: 'SNOWFLAKE',
      space: src.spaceId
    })
    check('POST /di-projects', created, dataOf('di-projects', 'CreateDiProject'))
    const bindings = (await dev('GET', `/api/v1/di-projects/${src.id}/bindings`)).json.variables
    expect(
      (
        await dev('PUT', `/api/v1/di-projects/${created.json.id}/bindings`, {
          variables: { ...bindings, projectName: 'Conformance copy' }
        })
      ).status
    ).toBe(200)
    const started: Array<[string, Reply, string]> = [
      [
        'import-async',
        await dev(
          'POST',
          `/api/v1/di-projects/${created.json.id}/actions/import-async`,
          zipForm(zip)
        ),
        'ImportAsyncDiProject'
      ]
    ]
    await waitFor(started[0]![1].json.actionId, false)
    started.push([
      'prepare',
      await dev('POST', `/api/v1/di-projects/${created.json.id}/actions/prepare`, {
        allowRecreate: false,
        selectedTasks: []
      }),
      'PrepareDiProject'
    ])
    for (const [what, r, fn] of started) {
      check(`POST ${what}`, r, dataOf('di-projects', fn))
      for (const detailed of [false, true])
        check(
          `GET action of ${what}${detailed ? ' (detailed)' : ''}`,
          await waitFor(r.json.actionId, detailed),
          dataOf('di-projects', 'GetDiProject')
        )
    }
    const val = await dev('POST', `/api/v1/di-projects/${created.json.id}/actions/validate`, {
      selectedTasks: []
    })
    check('POST validate', val, dataOf('di-projects', 'ValidateDiProject'))
    check(
      'GET action of validate',
      await waitFor(val.json.actionId, true),
      dataOf('di-projects', 'GetDiProject')
    )
    expect(problems).toEqual({})
  })

  it('data tasks and their runtime', async () => {
    const problems: Record<string, string[]> = {}
    const check = (what: string, r: Reply, fn: string): void => {
      const extra = undocumented(r, dataOf('di-projects', fn))
      if (extra.length) problems[what] = extra
    }
    const src = sim.state('dev').projects.find((p) => p.name === 'Sales pipeline')!
    const base = `/api/v1/di-projects/${src.id}/di-tasks`
    check('GET di-tasks', await dev('GET', base), 'GetDiProjectDiTasks')
    check(
      'GET runtime/state (never run)',
      await dev('GET', `${base}/landing_orders/runtime/state`),
      'GetDiProjectDiTaskRuntimeState'
    )
    const prep = await dev('POST', `/api/v1/di-projects/${src.id}/actions/prepare`, {})
    await waitFor(prep.json.actionId, false)
    expect((await dev('POST', `${base}/landing_orders/runtime/actions/start`)).status).toBe(204)
    check(
      'GET runtime/state (running)',
      await dev('GET', `${base}/landing_orders/runtime/state`),
      'GetDiProjectDiTaskRuntimeState'
    )
    const search = await dev('POST', `${base}/landing_orders/runtime/runs/actions/search`, {
      limit: 5
    })
    check('POST runs search', search, 'SearchDiProjectDiTaskRuntimeRuns')
    const runId = search.json.runs[0].runId
    check(
      'GET run state',
      await dev('GET', `${base}/landing_orders/runtime/runs/${runId}/state`),
      'GetDiProjectDiTaskRuntimeRunState'
    )
    check(
      'GET runtime datasets',
      await dev('GET', `${base}/landing_orders/runtime/state/datasets`),
      'GetDiProjectDiTaskRuntimeStateDatasets'
    )
    expect(problems).toEqual({})
  })

  it('spaces, the Tasks API, data stores and the OAuth token', async () => {
    const problems: Record<string, string[]> = {}
    const check = (what: string, r: Reply, shape: Shape): void => {
      const extra = undocumented(r, shape)
      if (extra.length) problems[what] = extra
    }
    const spaces = await dev('GET', '/api/v1/spaces?name=dev&limit=100')
    check('GET /spaces', spaces, dataOf('spaces', 'GetSpaces'))
    check(
      'GET /spaces/{id}',
      await dev('GET', `/api/v1/spaces/${spaces.json.data[0].id}`),
      dataOf('spaces', 'GetSpace')
    )
    const tasks = await dev('GET', '/api/v1/tasks')
    check('GET /tasks', tasks, dataOf('tasks', 'GetTasks'))
    const id = tasks.json.data[0].id
    check(
      'POST /tasks/{id}/actions/start',
      await dev('POST', `/api/v1/tasks/${id}/actions/start`),
      dataOf('tasks', 'StartTask')
    )
    check(
      'GET /tasks/{id}/runs/last',
      await dev('GET', `/api/v1/tasks/${id}/runs/last`),
      dataOf('tasks', 'GetLastTaskRun')
    )
    check(
      'GET /data-stores',
      await dev('GET', '/api/v1/data-stores?limit=100'),
      dataOf('data-stores', 'GetDataStores')
    )
    const token = await clientCredentials(sim, 'dev')
    check('POST /oauth/token', { status: token.status, json: await token.json() } as Reply, TOKEN)
    expect(problems).toEqual({})
  })
})
