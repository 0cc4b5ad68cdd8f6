import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Simulator } from '../../src/simulator/server.js'
import { runPromote } from '../helpers/pipeline.js'
import { startDemo } from '../helpers/sim.js'

const example = new URL('../../examples/project/', import.meta.url).pathname
const SUPPORT_BINDINGS = readFileSync(
  new URL('../../examples/bindings/support-prod.yaml', import.meta.url),
  'utf8'
)
const noSource = { 'source-tenant': '', 'source-api-key': '', 'source-project': '' }

let sim: Simulator
beforeEach(async () => {
  sim = await startDemo()
})
afterEach(async () => {
  await sim.close()
})

describe('projects as code', () => {
  it('deploys a hand-written project folder: created, imported, prepared, validated, CDC kept', async () => {
    const { report, log } = await runPromote(sim, {
      ...noSource,
      mode: 'deploy',
      'package-dir': example,
      'target-project': 'Support',
      bindings: SUPPORT_BINDINGS
    })
    expect(report.error).toBeUndefined()
    expect(report.package).toMatchObject({ exportMode: 'folder', format: 'YAML' })
    expect(report.artifact?.name).toBe('qlik-di-support')
    const manifest = JSON.parse(
      readFileSync(join(report.artifact!.location, 'manifest.json'), 'utf8')
    )
    expect(manifest).toMatchObject({
      kind: 'folder',
      sourceDir: example,
      projectName: 'Support',
      projectType: 'DATA_PIPELINE',
      platformType: 'SNOWFLAKE',
      packageSha256: report.package!.sha256
    })
    const prod = sim.state('prod').projects.find((p) => p.name === 'Support')!
    expect(prod).toMatchObject({ type: 'DATA_PIPELINE', platformType: 'SNOWFLAKE' })
    expect(prod.tasks.map((t) => [t.id, t.type, t.continuous, t.validated])).toEqual([
      ['landing_tickets', 'LANDING', true, true],
      ['storage_support', 'STORAGE', false, true]
    ])
    expect(prod.settings).toMatchObject({
      artifactsNaming: { defaultSchemaNameOption: 'UPPER_CASE' }
    })
    expect(log.text()).toContain('Package built from')
    // the same folder twice: the same package (sha256), and the project is reused
    const again = await runPromote(sim, {
      ...noSource,
      mode: 'deploy',
      'package-dir': example,
      'target-project': 'Support',
      bindings: SUPPORT_BINDINGS
    })
    expect(again.report.error).toBeUndefined()
    expect(again.report.package!.sha256).toBe(report.package!.sha256)
    expect(again.report.target?.created).toBe(false)
  })

  it('parses the package once per run: the check, the task plan and the release diff share it', async () => {
    const first = await runPromote(sim, {
      ...noSource,
      mode: 'deploy',
      'package-dir': example,
      'target-project': 'Support',
      bindings: SUPPORT_BINDINGS
    })
    expect(first.report.error).toBeUndefined()
    const parses = (text: string) => text.match(/debug: Parsed the package: \d+ file/g) ?? []
    expect(parses(first.log.text())).toHaveLength(1)
    // a dry run on the existing target: the check, the tasks to stop and run, the diff
    const plan = await runPromote(sim, {
      ...noSource,
      mode: 'deploy',
      'package-dir': example,
      'target-project': 'Support',
      bindings: SUPPORT_BINDINGS,
      'dry-run': 'true',
      'run-tasks': 'all'
    })
    expect(plan.report.error).toBeUndefined()
    // the target holds what the folder says: no change, file contents included
    expect(plan.report.plan?.changes?.tasks.changed).toEqual([])
    expect(plan.report.plan?.changes?.tasks.unchanged).toHaveLength(2)
    expect(parses(plan.log.text())).toHaveLength(1)
    // a ZIP (the package the first run kept): parsed once too, when a step first needs it
    const zip = await runPromote(sim, {
      ...noSource,
      mode: 'deploy',
      'zip-path': first.report.package!.path,
      'target-project': 'Support',
      bindings: SUPPORT_BINDINGS,
      'dry-run': 'true',
      'run-tasks': 'all'
    })
    expect(zip.report.error).toBeUndefined()
    expect(parses(zip.log.text())).toHaveLength(1)
    // and no step parses a package around PackageContent
    const dir = new URL('../../src/pipeline/', import.meta.url).pathname
    const steps = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('.ts')
    )
    for (const f of steps)
      expect([f, /parseDefinition\(/.test(readFileSync(join(dir, f), 'utf8'))]).toEqual([f, false])
  })

  it('refuses an invalid folder before any request, naming file, line and problem', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qdp-bad-'))
    cpSync(example, dir, { recursive: true })
    const task = join(dir, 'qtcp_tasks', 'Storage support', 'task.yaml')
    writeFileSync(
      task,
      readFileSync(task, 'utf8').replace(
        'tableUpdateConcurrency: 4',
        'tableUpdateConcurrency: "{{threads}}"'
      )
    )
    const { report } = await runPromote(sim, {
      ...noSource,
      mode: 'deploy',
      'package-dir': dir,
      'target-project': 'Support',
      bindings: SUPPORT_BINDINGS
    })
    expect(report.badInput).toBe(true)
    expect(report.error).toContain(
      `Input 'package-dir': ${dir} is not a valid project package (1 error(s)); nothing was sent to any tenant.`
    )
    // what the published schema says is a warning (the variable is the error)
    expect(report.error).not.toContain('must be integer')
    expect(report.error).toContain(
      'uses the variable {{threads}}, which qtcp_bindings_definition.json does not declare'
    )
    expect(sim.requests({ tenant: 'prod' })).toEqual([])
  })

  it('needs target-project when the folder names the project with {{projectName}}', async () => {
    const { report } = await runPromote(sim, {
      ...noSource,
      mode: 'deploy',
      'package-dir': example
    })
    expect(report.badInput).toBe(true)
    expect(report.error).toMatch(/^Input 'target-project' is required with 'package-dir'/)
    expect(sim.requests({ tenant: 'prod' })).toEqual([])
  })

  it('mode validate: no tenant, every problem listed; a valid folder passes', async () => {
    const ok = await runPromote(sim, {
      mode: 'validate',
      'package-dir': example,
      ...noSource,
      'target-tenant': '',
      'target-api-key': '',
      'target-space': ''
    })
    expect(ok.report.error).toBeUndefined()
    expect(ok.report.validation).toMatchObject({ valid: true, files: 11, problems: [] })
    expect(sim.requests()).toEqual([])
    const dir = mkdtempSync(join(tmpdir(), 'qdp-bad-'))
    cpSync(example, dir, { recursive: true })
    writeFileSync(join(dir, 'qtcp_project.yaml'), 'properties:\n  type: DATA_LAKE\n')
    const bad = await runPromote(sim, {
      mode: 'validate',
      'package-dir': dir,
      ...noSource,
      'target-tenant': '',
      'target-api-key': '',
      'target-space': ''
    })
    expect(bad.report.outcome).toBe('failed')
    expect(bad.report.badInput).toBeUndefined()
    expect(bad.report.validation?.valid).toBe(false)
    expect(bad.report.validation?.problems[0]).toMatchObject({
      file: 'qtcp_project.yaml',
      line: 2,
      pointer: '/properties/type'
    })
    expect(bad.log.text()).toContain(
      'qtcp_project.yaml:2: /properties/type: must be one of "DATA_MOVEMENT", "DATA_PIPELINE"'
    )
  })

  it('export-dir writes the export as a folder that deploys as package-dir', async () => {
    const out = mkdtempSync(join(tmpdir(), 'qdp-out-'))
    const exp = await runPromote(sim, {
      mode: 'export',
      'export-dir': out,
      'include-bindings': 'true'
    })
    expect(exp.report.error).toBeUndefined()
    expect(exp.report.exportDir?.written).toContain('qtcp_tasks/Landing orders/task.yaml')
    expect(existsSync(join(out, 'bindings.json'))).toBe(false)
    const dep = await runPromote(sim, {
      ...noSource,
      mode: 'deploy',
      'package-dir': out,
      'target-project': 'Sales pipeline'
    })
    expect(dep.report.error).toBeUndefined()
    const prod = sim.state('prod').projects.find((p) => p.name === 'Sales pipeline')!
    expect(prod.tasks.map((t) => t.id)).toEqual([
      'landing_crm',
      'landing_orders',
      'storage_sales',
      'mart_sales'
    ])
  })
})
