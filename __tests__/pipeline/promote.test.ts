import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Simulator } from '../../src/simulator/server.js'
import { startDemo } from '../helpers/sim.js'
import { runPromote } from '../helpers/pipeline.js'

let sim: Simulator
beforeEach(async () => {
  sim = await startDemo()
})
afterEach(async () => {
  await sim.close()
})

const writes = (tenant: string) =>
  sim
    .requests({ tenant })
    .filter(
      (r) =>
        r.method !== 'GET' &&
        !r.path.endsWith('/actions/export') &&
        !r.path.includes('validate-project-definitions')
    )

describe('promote pipeline against the simulator', () => {
  it('creates the target, sets bindings, imports, prepares, validates', async () => {
    const { report, log } = await runPromote(sim)
    expect(report.error).toBeUndefined()
    expect(report.outcome).toBe('succeeded')
    expect(report.target).toMatchObject({
      projectName: 'Sales pipeline',
      created: true,
      spaceName: 'PROD_PIPELINES'
    })
    expect(report.actions.import?.state).toBe('COMPLETED')
    expect(report.actions.prepare?.state).toBe('COMPLETED')
    expect(report.actions.validate?.state).toBe('COMPLETED')
    expect(report.steps.map((s) => `${s.name}:${s.state}`)).toEqual([
      'Find the source project:succeeded',
      'Find the target space:succeeded',
      'Find the target project:succeeded',
      'Export the source project:succeeded',
      'Keep the package as an artifact:succeeded',
      'Compute the bindings:succeeded',
      'Check before changing the target:succeeded',
      'Pre-flight check of the package:succeeded',
      'Create the target project:succeeded',
      'Set the target bindings:succeeded',
      'Check the connections:succeeded',
      'Import the package:succeeded',
      'Prepare the target project:succeeded',
      'Validate the target project:succeeded'
    ])
    const manifest = JSON.parse(
      readFileSync(join(report.artifact!.location, 'manifest.json'), 'utf8')
    )
    expect(manifest).toMatchObject({
      projectName: 'Sales pipeline',
      exportMode: 'MINIMAL',
      packageSha256: report.package!.sha256
    })
    expect(existsSync(join(report.artifact!.location, 'sales-pipeline.zip'))).toBe(true)
    const prod = sim.state('prod').projects.find((p) => p.name === 'Sales pipeline')!
    expect(prod.tasks.every((t) => t.prepared && t.validated)).toBe(true)
    expect(prod.bindings.projectName).toBe('Sales pipeline')
    expect(log.text()).toMatch(/Import: COMPLETED \(tasks: 4 completed\) after/)

    // a second run reuses the project: no second project
    const again = await runPromote(sim)
    expect(again.report.outcome).toBe('succeeded')
    expect(again.report.target?.created).toBe(false)
    expect(sim.state('prod').projects.filter((p) => p.name === 'Sales pipeline')).toHaveLength(1)
  })

  it('fails before any write to the target when a declared variable has no value, naming it', async () => {
    const { report } = await runPromote(sim, {
      bindings: 'platformConnection: "{{id(connection, PROD_DATA.snowflake_prod)}}"'
    })
    expect(report.outcome).toBe('failed')
    expect(report.error).toContain('task.landing_orders.sourceConnection')
    expect(report.error).toContain('Refused before any change: bindings: every declared variable')
    expect(report.error).toContain(
      `Nothing was changed on the target tenant ${new URL(sim.tenantInfo('prod').url).host}: no write was sent to it.`
    )
    expect(writes('prod')).toEqual([])
  })

  it('refuses variables the package does not declare with strict-bindings, warns without', async () => {
    const { PROD_BINDINGS_YAML } = await import('../helpers/pipeline.js')
    const typo = `${PROD_BINDINGS_YAML}\nplatformConection: typo\n`
    const strict = await runPromote(sim, { bindings: typo })
    expect(strict.report.outcome).toBe('failed')
    expect(strict.report.error).toContain(
      "1 variable(s) the package does not declare (probable typos): platformConection (did you mean 'platformConnection'?)"
    )
    expect(writes('prod')).toEqual([])
    const lax = await runPromote(sim, { bindings: typo, 'strict-bindings': 'false' })
    expect(lax.report.outcome).toBe('succeeded')
    expect(lax.report.bindings?.unknown).toEqual(['platformConection'])
    expect(lax.log.text()).toContain('(probable typos): platformConection')
  })

  it('fails before any write when a connection is not in the target tenant, naming variable, expression, space and the names there', async () => {
    const prod = sim.state('prod')
    prod.connections = prod.connections.filter((c) => c.name !== 'crm_mysql')
    const { report } = await runPromote(sim)
    expect(report.outcome).toBe('failed')
    expect(report.failedStep).toBe('Check before changing the target')
    expect(report.error).toContain(
      "task.landing_crm.sourceConnection = {{id(connection, PROD_SOURCES.crm_mysql)}}: no connection 'crm_mysql' in space PROD_SOURCES"
    )
    expect(report.error).toContain("its connections: 'orders_postgres'")
    expect(report.error).toContain('Nothing was changed on')
    expect(sim.requests({ tenant: 'prod' }).filter((r) => r.method !== 'GET')).toEqual([])
    expect(sim.state('prod').projects).toEqual([])
  })

  it('fails with the failed task and Qlik message when prepare fails', async () => {
    sim.injectFault({
      tenant: 'prod',
      path: '/actions/prepare',
      actionOutcome: { state: 'FAILED', message: 'Gateway gw-7 is offline' }
    })
    const { report, log } = await runPromote(sim)
    expect(report.outcome).toBe('failed')
    expect(report.error).toContain('Prepare ended FAILED on the target tenant')
    expect(report.error).toContain('Gateway gw-7 is offline')
    expect(log.text()).toContain(
      'error: Prepare failed for task Landing CRM (landing_crm): Gateway gw-7 is offline'
    )
    expect(
      report.tasks.find((t) => t.step === 'prepare' && t.taskId === 'landing_crm')
    ).toMatchObject({ state: 'FAILED', message: 'Gateway gw-7 is offline' })
  })

  it('takes ids for the source project, the target space and the target project', async () => {
    const first = await runPromote(sim)
    const srcId = sim.state('dev').projects.find((p) => p.name === 'Sales pipeline')!.id
    const space = sim.state('prod').spaces.find((s) => s.name === 'PROD_PIPELINES')!
    const again = await runPromote(sim, {
      'source-project': srcId,
      'target-space': space.id,
      'target-project': first.report.target!.projectId!
    })
    expect(again.report.error).toBeUndefined()
    expect(again.report.target).toMatchObject({
      projectId: first.report.target!.projectId,
      created: false,
      spaceName: 'PROD_PIPELINES'
    })
  })

  it('refuses an ambiguous source name, listing the candidates', async () => {
    const dev = sim.state('dev')
    const other = dev.spaces.find((s) => s.name === 'DEV_DATA')!
    const copy = { ...dev.projects[0]!, id: 'copyofsales0001', spaceId: other.id }
    dev.projects.push(copy)
    const { report } = await runPromote(sim)
    expect(report.error).toContain("Input 'source-project': 2 projects are named 'Sales pipeline'")
    expect(report.error).toContain(`copyofsales0001 (space ${other.id})`)
    expect(report.error).toContain("narrow the search with 'source-space'")
    const narrowed = await runPromote(sim, { 'source-space': 'DEV_PIPELINES' })
    expect(narrowed.report.error).toBeUndefined()
  })

  it('names an unknown target space with similar names', async () => {
    const { report } = await runPromote(sim, { 'target-space': 'PROD_PIPELINE' })
    expect(report.error).toContain("Input 'target-space': no space with id or name 'PROD_PIPELINE'")
    expect(report.error).toContain("'PROD_PIPELINES'")
    expect(writes('prod')).toEqual([])
  })

  it("starts from the target's current bindings: a later run only needs what changes", async () => {
    expect((await runPromote(sim)).report.outcome).toBe('succeeded')
    const { report } = await runPromote(sim, {
      bindings: 'task-type.storage.databaseName: ANALYTICS_V2'
    })
    expect(report.error).toBeUndefined()
    expect(report.bindings?.changed).toEqual(['task-type.storage.databaseName'])
    const prod = sim.state('prod').projects.find((p) => p.name === 'Sales pipeline')!
    expect(prod.bindings['task-type.storage.databaseName']).toBe('ANALYTICS_V2')
    expect(prod.bindings.platformConnection).toBe('{{id(connection, PROD_DATA.snowflake_prod)}}')
  })

  it('LEGACY: pre-flight warnings are reported; without import-async it falls back to the synchronous import', async () => {
    sim.injectFault({ tenant: 'prod', path: '/actions/import-async', missingRoute: true })
    const { report, log } = await runPromote(sim, { 'export-mode': 'LEGACY' })
    expect(report.error).toBeUndefined()
    expect(log.text()).toContain(
      'warning: Pre-flight: project.json: LEGACY (JSON) packages are deprecated'
    )
    expect(log.text()).toContain('warning: export-mode LEGACY is deprecated by Qlik')
    expect(log.text()).toContain('using the synchronous import for the LEGACY package')
    expect(
      sim
        .requests({ tenant: 'prod' })
        .filter((r) => r.path.endsWith('/actions/import'))
        .map((r) => r.status)
    ).toEqual([200])
    expect(report.actions.import?.state).toBe('COMPLETED')
  })

  it('refuses to fall back for a YAML package when import-async is missing', async () => {
    sim.injectFault({ tenant: 'prod', path: '/actions/import-async', missingRoute: true })
    const { report } = await runPromote(sim)
    expect(report.error).toContain('has no import-async endpoint')
    expect(report.error).toContain('export-mode LEGACY')
  })

  it('a 404 from import-async is a project not found, not a missing endpoint: no fallback', async () => {
    sim.injectFault({ tenant: 'prod', path: '/actions/import-async', status: 404 })
    const { report } = await runPromote(sim, { 'export-mode': 'LEGACY' })
    expect(report.outcome).toBe('failed')
    expect(report.error).toContain('answered 404 Not Found')
    expect(report.error).toContain(
      'was not found: it may have been deleted or moved since it was looked up'
    )
    expect(report.error).not.toContain('has no import-async endpoint')
    // the synchronous import was never tried
    expect(sim.requests({ tenant: 'prod' }).some((r) => r.path.endsWith('/actions/import'))).toBe(
      false
    )
    expect(report.ledger.entries.find((e) => e.kind === 'import')?.state).toBe('refused')
  })

  it('does not need the Location header of import-async (the spec does not promise it)', async () => {
    sim.injectFault({ tenant: 'prod', path: '/actions/import-async', omitHeaders: ['location'] })
    const { report } = await runPromote(sim)
    expect(report.error).toBeUndefined()
    const imp = sim.requests({ tenant: 'prod' }).filter((r) => r.path.endsWith('/import-async'))
    expect(imp.map((r) => [r.status, r.fault !== undefined])).toEqual([[202, true]])
    expect(report.actions.import?.state).toBe('COMPLETED')
  })

  it('skips prepare and validate when told to', async () => {
    const { report } = await runPromote(sim, { prepare: 'false', validate: 'false' })
    expect(report.outcome).toBe('succeeded')
    expect(report.steps.filter((s) => s.state === 'skipped').map((s) => s.name)).toEqual([
      'Prepare the target project',
      'Validate the target project'
    ])
    expect(report.actions.prepare).toBeUndefined()
  })

  it('creates the target with the type, platform and description the inputs give', async () => {
    // the import would overwrite the description with the package's: stop it to see the created project
    sim.injectFault({
      tenant: 'prod',
      path: '/actions/import-async',
      actionOutcome: { state: 'FAILED' }
    })
    const { report } = await runPromote(sim, {
      'platform-type': 'snowflake',
      'project-type': 'DATA_PIPELINE',
      'project-description': 'Prod copy'
    })
    expect(report.failedStep).toBe('Import the package')
    const prod = sim.state('prod').projects.find((p) => p.name === 'Sales pipeline')!
    expect(prod).toMatchObject({
      platformType: 'SNOWFLAKE',
      type: 'DATA_PIPELINE',
      description: 'Prod copy'
    })
  })

  it('times out on an action that never finishes, naming its id', async () => {
    sim.injectFault({ tenant: 'prod', path: '/actions/prepare', neverFinish: true })
    const { report } = await runPromote(sim, { timeout: '1' })
    expect(report.outcome).toBe('failed')
    const id = report.steps.find((s) => s.name === 'Prepare the target project')
    expect(id?.state).toBe('failed')
    expect(report.error).toMatch(
      /Prepare did not finish within 1 s: it was still EXECUTING on the target tenant \(action id [0-9a-f]+\)/
    )
    expect(report.error).toContain("may still be running on Qlik's side")
  })
})
