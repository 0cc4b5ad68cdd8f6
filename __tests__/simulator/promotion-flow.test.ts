import { buildPackage } from '../../src/simulator/engine/packages.js'
import type { Simulator } from '../../src/simulator/server.js'
import { client, startDemo, waitForAction, zipForm } from '../helpers/sim.js'

let sim: Simulator
beforeEach(async () => {
  sim = await startDemo()
})
afterEach(async () => {
  await sim.close()
})

async function prodSpaceId(name = 'PROD_PIPELINES'): Promise<string> {
  const prod = client(sim, 'prod')
  const r = await prod('GET', `/api/v1/spaces?name=${name}`)
  return r.json.data.find((s: { name: string }) => s.name === name).id
}

async function exportSales(mode = 'MINIMAL'): Promise<Uint8Array> {
  const dev = client(sim, 'dev')
  const list = await dev('GET', '/api/v1/di-projects')
  const src = list.json.projects.find((p: { name: string }) => p.name === 'Sales pipeline')
  const r = await dev(
    'POST',
    `/api/v1/di-projects/${src.id}/actions/export`,
    { mode },
    { accept: 'application/octet-stream' }
  )
  expect(r.status).toBe(200)
  expect(r.headers.get('content-type')).toBe('application/octet-stream')
  return r.bytes
}

const PROD_BINDINGS = {
  projectName: 'Sales pipeline',
  platformConnection: '{{id(connection, PROD_DATA.snowflake_prod)}}',
  cloudStagingConnection: '{{id(connection, PROD_DATA.s3_staging_prod)}}',
  'task.landing_orders.sourceConnection': '{{id(connection, PROD_SOURCES.orders_postgres)}}',
  'task.landing_crm.sourceConnection': '{{id(connection, PROD_SOURCES.crm_mysql)}}',
  'task-type.storage.databaseName': 'ANALYTICS',
  'project.current.prefixSchema': null
}

it('recalculated bindings fill declared variables in the answer only: a GET saves nothing', async () => {
  const dev = client(sim, 'dev')
  const src = (await dev('GET', '/api/v1/di-projects')).json.projects.find(
    (p: { name: string }) => p.name === 'Sales pipeline'
  )
  const path = `/api/v1/di-projects/${src.id}/bindings`
  expect((await dev('PUT', path, { variables: { projectName: 'Sales pipeline' } })).status).toBe(
    200
  )
  const recalculated = (await dev('GET', `${path}?recalculate=true`)).json
  expect(recalculated.variables).toMatchObject({
    projectName: 'Sales pipeline',
    'task.landing_orders.sourceConnection': ''
  })
  expect((await dev('GET', path)).json).toEqual({
    variables: { projectName: 'Sales pipeline' },
    nameToIdMap: {}
  })
})

async function createTarget(): Promise<string> {
  const prod = client(sim, 'prod')
  const r = await prod('POST', '/api/v1/di-projects', {
    name: 'Sales pipeline',
    type: 'DATA_PIPELINE',
    platformType: 'SNOWFLAKE',
    space: await prodSpaceId()
  })
  expect(r.status).toBe(201)
  return r.json.id
}

describe('promotion flow', () => {
  it('creates a target, sets bindings, imports async, prepares and validates', async () => {
    const zip = await exportSales()
    const prod = client(sim, 'prod')
    const id = await createTarget()

    // the name is taken now
    const again = await prod('POST', '/api/v1/di-projects', {
      name: 'Sales pipeline',
      type: 'DATA_PIPELINE',
      platformType: 'SNOWFLAKE',
      space: await prodSpaceId()
    })
    expect(again.status).toBe(400)
    expect(again.json.errors[0].code).toBe('DI-PROJECT-NAME-EXISTS')

    const pre = await prod(
      'POST',
      '/api/v1/di-projects/utils/actions/validate-project-definitions',
      zipForm(zip)
    )
    expect(pre.status).toBe(200)
    expect(pre.json.reports.filter((r: { level: string }) => r.level === 'ERROR')).toEqual([])

    expect(
      (await prod('PUT', `/api/v1/di-projects/${id}/bindings`, { variables: PROD_BINDINGS })).status
    ).toBe(200)
    const b = await prod('GET', `/api/v1/di-projects/${id}/bindings?recalculate=true`)
    const conn = sim.state('prod').connections.find((c) => c.name === 'snowflake_prod')!
    expect(b.json.nameToIdMap['{{id(connection, PROD_DATA.snowflake_prod)}}']).toBe(conn.id)

    // the legacy synchronous import refuses YAML packages
    const legacy = await prod('POST', `/api/v1/di-projects/${id}/actions/import`, zipForm(zip))
    expect(legacy.status).toBe(400)
    expect(legacy.json.errors[0].detail).toMatch(/import-async/)

    const imp = await prod('POST', `/api/v1/di-projects/${id}/actions/import-async`, zipForm(zip))
    expect(imp.status).toBe(202)
    expect(imp.headers.get('location')).toBe(`/api/v1/di-projects/actions/${imp.json.actionId}`)
    // a second import while the first runs: 409
    expect(
      (await prod('POST', `/api/v1/di-projects/${id}/actions/import-async`, zipForm(zip))).status
    ).toBe(409)
    const done = await waitForAction(prod, imp.json.actionId)
    expect(done.json).toMatchObject({
      type: 'PROJECT_IMPORT',
      state: 'COMPLETED',
      taskProgress: { completed: 4, failed: 0 }
    })

    const tasks = await prod('GET', `/api/v1/di-projects/${id}/di-tasks`)
    expect(tasks.json.dataTasks.map((t: { id: string }) => t.id).sort()).toEqual([
      'landing_crm',
      'landing_orders',
      'mart_sales',
      'storage_sales'
    ])

    // validate before prepare fails, naming the task
    const early = await prod('POST', `/api/v1/di-projects/${id}/actions/validate`, {
      selectedTasks: []
    })
    const earlyDone = await waitForAction(prod, early.json.actionId)
    expect(earlyDone.json.state).toBe('FAILED')
    expect(earlyDone.json.taskDetails[0].error.code).toBe('DI-TASK-NOT-PREPARED')

    const prep = await prod('POST', `/api/v1/di-projects/${id}/actions/prepare`, {
      allowRecreate: false,
      selectedTasks: []
    })
    expect(prep.status).toBe(202)
    expect((await waitForAction(prod, prep.json.actionId)).json.state).toBe('COMPLETED')
    const val = await prod('POST', `/api/v1/di-projects/${id}/actions/validate`, {
      selectedTasks: []
    })
    const valDone = await waitForAction(prod, val.json.actionId)
    expect(valDone.json).toMatchObject({
      type: 'PROJECT_VALIDATE',
      state: 'COMPLETED'
    })
    // Qlik's types give error as an object, never null: a completed action has none
    expect(valDone.json).not.toHaveProperty('error')
    expect(valDone.json.taskDetails.every((t: { state: string }) => t.state === 'COMPLETED')).toBe(
      true
    )

    // the prod project now exports with prod values
    const back = await prod('POST', `/api/v1/di-projects/${id}/actions/export`, {
      mode: 'MINIMAL',
      includeBindings: true
    })
    expect(back.status).toBe(200)
  })

  it('PUT bindings replaces the saved set: a partial PUT loses the rest and import then fails', async () => {
    const zip = await exportSales()
    const prod = client(sim, 'prod')
    const id = await createTarget()
    await prod('PUT', `/api/v1/di-projects/${id}/bindings`, { variables: PROD_BINDINGS })
    await prod('PUT', `/api/v1/di-projects/${id}/bindings`, {
      variables: { 'task-type.storage.databaseName': 'X' }
    })
    const b = await prod('GET', `/api/v1/di-projects/${id}/bindings`)
    expect(b.json.variables).toEqual({ 'task-type.storage.databaseName': 'X' })
    const imp = await prod('POST', `/api/v1/di-projects/${id}/actions/import-async`, zipForm(zip))
    const done = await waitForAction(prod, imp.json.actionId)
    expect(done.json.state).toBe('FAILED')
    expect(done.json.error.details).toContain("Binding variable 'platformConnection' has no value")
  })

  it('fails import naming a missing binding and an unknown connection, and changes nothing', async () => {
    const zip = await exportSales()
    const prod = client(sim, 'prod')
    const id = await createTarget()
    const { ['task.landing_crm.sourceConnection']: _drop, ...partial } = PROD_BINDINGS
    await prod('PUT', `/api/v1/di-projects/${id}/bindings`, {
      variables: { ...partial, platformConnection: '{{id(connection, PROD_DATA.snowflake_typo)}}' }
    })
    const imp = await prod('POST', `/api/v1/di-projects/${id}/actions/import-async`, zipForm(zip))
    const done = await waitForAction(prod, imp.json.actionId)
    expect(done.json.state).toBe('FAILED')
    expect(done.json.error.code).toBe('DI-IMPORT-FAILED')
    expect(done.json.error.details).toContain(
      "Binding variable 'task.landing_crm.sourceConnection' has no value"
    )
    expect(done.json.error.details).toContain(
      "Connection 'PROD_DATA.snowflake_typo' (variable 'platformConnection') was not found in space 'PROD_DATA'"
    )
    const crm = done.json.taskDetails.find((t: { taskId: string }) => t.taskId === 'landing_crm')
    expect(crm.state).toBe('FAILED')
    expect((await prod('GET', `/api/v1/di-projects/${id}/di-tasks`)).json.dataTasks).toEqual([])
  })

  it('fails prepare of a task whose connection disappeared, naming the connection', async () => {
    const zip = await exportSales()
    const prod = client(sim, 'prod')
    const id = await createTarget()
    await prod('PUT', `/api/v1/di-projects/${id}/bindings`, { variables: PROD_BINDINGS })
    await waitForAction(
      prod,
      (await prod('POST', `/api/v1/di-projects/${id}/actions/import-async`, zipForm(zip))).json
        .actionId
    )
    const state = sim.state('prod')
    state.connections = state.connections.filter((c) => c.name !== 'crm_mysql')
    const prep = await prod('POST', `/api/v1/di-projects/${id}/actions/prepare`, {
      allowRecreate: false
    })
    const done = await waitForAction(prod, prep.json.actionId)
    expect(done.json.state).toBe('FAILED')
    const crm = done.json.taskDetails.find((t: { taskId: string }) => t.taskId === 'landing_crm')
    expect(crm.error).toMatchObject({ code: 'DI-CONNECTION-NOT-FOUND' })
    expect(crm.error.message).toContain("'PROD_SOURCES.crm_mysql'")
    // Landing CRM comes first (task folders by name): the tasks after it are skipped
    expect(done.json.taskProgress).toMatchObject({ completed: 0, failed: 1, skipped: 3 })
  })

  it('rejects import into a project of another type or platform', async () => {
    const zip = await exportSales()
    const prod = client(sim, 'prod')
    const r = await prod('POST', '/api/v1/di-projects', {
      name: 'Wrong platform',
      type: 'DATA_PIPELINE',
      platformType: 'DATABRICKS',
      space: await prodSpaceId()
    })
    await prod('PUT', `/api/v1/di-projects/${r.json.id}/bindings`, { variables: PROD_BINDINGS })
    const imp = await prod(
      'POST',
      `/api/v1/di-projects/${r.json.id}/actions/import-async`,
      zipForm(zip)
    )
    const done = await waitForAction(prod, imp.json.actionId)
    expect(done.json.state).toBe('FAILED')
    expect(done.json.error.details).toContain('targets platform SNOWFLAKE')
  })

  it('asks for allowRecreate when an import drops datasets of a prepared task', async () => {
    const dev = client(sim, 'dev')
    const src = sim.state('dev').projects.find((p) => p.name === 'Sales pipeline')!
    await waitForAction(
      dev,
      (await dev('POST', `/api/v1/di-projects/${src.id}/actions/prepare`, {})).json.actionId
    )
    const changed = {
      ...src,
      tasks: src.tasks.map((t) => (t.id === 'landing_orders' ? { ...t, datasets: ['orders'] } : t))
    }
    const zip = buildPackage(changed, 'MINIMAL', false)
    await waitForAction(
      dev,
      (await dev('POST', `/api/v1/di-projects/${src.id}/actions/import-async`, zipForm(zip))).json
        .actionId
    )
    const prep = await waitForAction(
      dev,
      (await dev('POST', `/api/v1/di-projects/${src.id}/actions/prepare`, { allowRecreate: false }))
        .json.actionId
    )
    expect(prep.json.state).toBe('FAILED')
    expect(prep.json.taskDetails[0].error.message).toContain(
      'requires recreating datasets (order_lines)'
    )
    const again = await waitForAction(
      dev,
      (await dev('POST', `/api/v1/di-projects/${src.id}/actions/prepare`, { allowRecreate: true }))
        .json.actionId
    )
    expect(again.json.state).toBe('COMPLETED')
  })

  it('imports legacy packages synchronously through the old endpoint', async () => {
    const zip = await exportSales('LEGACY')
    const prod = client(sim, 'prod')
    const id = await createTarget()
    await prod('PUT', `/api/v1/di-projects/${id}/bindings`, { variables: PROD_BINDINGS })
    const r = await prod('POST', `/api/v1/di-projects/${id}/actions/import`, zipForm(zip))
    expect(r.status).toBe(200)
    expect(r.json).toEqual({})
    expect((await prod('GET', `/api/v1/di-projects/${id}/di-tasks`)).json.dataTasks).toHaveLength(4)
  })
})
