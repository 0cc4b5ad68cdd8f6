/**
 * plan-file: a dry run's plan binds a real run. The plan's fingerprint (package, bindings to send,
 * the target as read, the steps) is checked before the first write; any difference refuses the run
 * with nothing written, each difference named.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { strFromU8, strToU8, zipSync } from 'fflate'
import { readProjectFolder, zipDeterministic } from '../../src/package/folder.js'
import type { ProjectDefinition, TaskDefinition } from '../../src/package/layout.js'
import {
  fingerprint,
  loadPlan,
  planDifferences,
  type FingerprintFacts
} from '../../src/pipeline/plan-file.js'
import { renderSummary } from '../../src/report/summary.js'
import type { Simulator } from '../../src/simulator/server.js'
import {
  deploySupport,
  projectsFile,
  runPromote,
  SUPPORT_BINDINGS_YAML,
  threeProjectEntries
} from '../helpers/pipeline.js'
import { startDemo, threeProjects } from '../helpers/sim.js'
import type { PlanFingerprint } from '../../src/model/plan.js'

const taskDef = (id: string, patch: Partial<TaskDefinition> = {}): TaskDefinition => ({
  id,
  name: `Task ${id}`,
  type: 'STORAGE',
  description: '',
  folder: id,
  connectionVars: {},
  datasets: ['orders'],
  settings: { taskRuntime: { tableUpdateConcurrency: 4 } },
  modelBytes: 0,
  contents: { 'datasets/orders.yaml': 'a'.repeat(32) },
  ...patch
})

const definition = (tasks: TaskDefinition[]): ProjectDefinition =>
  ({
    format: 'YAML',
    project: {
      type: 'DATA_PIPELINE',
      platformType: 'SNOWFLAKE',
      description: '',
      settings: {},
      connectionVars: {}
    },
    tasks,
    declared: ['db']
  }) as unknown as ProjectDefinition

const facts = (patch: Partial<FingerprintFacts> = {}): FingerprintFacts => ({
  salt: 'salt',
  madeAt: '2026-12-03T10:00:00.000Z',
  tenant: 'prod.example.com',
  spaceId: 'space-1',
  projectName: 'Sales',
  projectId: 'p-1',
  packageSha256: 'a'.repeat(64),
  packageContent: 'b'.repeat(64),
  sent: { db: 'ANALYTICS', password: 'hunter22' },
  secretNames: ['password'],
  current: definition([taskDef('t1'), taskDef('t2')]),
  targetBindings: { db: 'ANALYTICS' },
  running: [{ id: 't1' }],
  steps: ['Set 2 binding variable(s)', 'Import the package (import-async)'],
  ...patch
})

const diffOf = (plan: PlanFingerprint, now: FingerprintFacts) =>
  planDifferences(plan, facts().steps, fingerprint(now), now.steps)

describe('the differences between a plan and a run, one kind at a time', () => {
  const plan = fingerprint(facts())
  it('the same facts: no difference (and the values are not in the fingerprint)', () => {
    expect(diffOf(plan, facts())).toEqual([])
    expect(JSON.stringify(plan)).not.toContain('hunter22')
    expect(JSON.stringify(plan)).not.toContain('ANALYTICS')
    expect(plan.digests.secret).toEqual(['password'])
  })
  it('a setting, a file, a dataset of a task on the target', () => {
    const t1 = taskDef('t1', {
      settings: { taskRuntime: { tableUpdateConcurrency: 8 } },
      contents: { 'datasets/orders.yaml': 'c'.repeat(32) },
      datasets: ['orders', 'returns']
    })
    expect(diffOf(plan, facts({ current: definition([t1, taskDef('t2')]) }))).toEqual([
      "task 'Task t1' (t1): dataset returns was added to the target since the plan",
      "task 'Task t1' (t1): file datasets/orders.yaml changed since the plan",
      "task 'Task t1' (t1): setting /taskRuntime/tableUpdateConcurrency changed since the plan"
    ])
  })
  it("the project's settings and description", () => {
    const now = definition([taskDef('t1'), taskDef('t2')])
    now.project.description = 'hot fix'
    now.project.settings = { ...now.project.settings, 'odd\nkey': 1 }
    expect(diffOf(plan, facts({ current: now }))).toEqual([
      "the project's description changed since the plan",
      'project setting /odd\\nkey changed since the plan'
    ])
  })
  it('a task added, one removed, one renamed', () => {
    const now = definition([taskDef('t1', { name: 'Renamed' }), taskDef('t3')])
    expect(diffOf(plan, facts({ current: now }))).toEqual([
      "task 'Renamed' (t1): the name changed since the plan",
      "task 'Task t2' (t2) was removed from the target since the plan",
      "task 'Task t3' (t3) was added to the target since the plan"
    ])
  })
  it("the target's bindings and running tasks", () => {
    expect(
      diffOf(plan, facts({ targetBindings: { db: 'OTHER', extra: 'x' }, running: [{ id: 't2' }] }))
    ).toEqual([
      'binding db changed on the target since the plan',
      'binding extra was set on the target since the plan',
      "task 'Task t1' (t1) was running when the plan was made, and is not now",
      "task 'Task t2' (t2) is running now, and was not when the plan was made"
    ])
    // states not read (quiesce and prepare off): not compared
    expect(diffOf(plan, facts({ running: undefined }))).toEqual([])
  })
  it('the bindings this run would send: by name, never the value', () => {
    const found = diffOf(plan, facts({ sent: { db: 'ANALYTICS', password: 'other-secret' } }))
    expect(found).toEqual(["binding password would be sent with another value than the plan's"])
    expect(found.join()).not.toContain('other-secret')
    expect(diffOf(plan, facts({ sent: { db: 'ANALYTICS' } }))).toEqual([
      'binding password is in the plan, this run would not send it'
    ])
  })
  it('another package: both digests; the same files in another ZIP: the same package', () => {
    expect(
      diffOf(plan, facts({ packageSha256: 'c'.repeat(64), packageContent: 'd'.repeat(64) }))
    ).toEqual([
      `the package is not the plan's: the plan's package has sha256 ${'a'.repeat(64)}, this run's has sha256 ${'c'.repeat(64)}`
    ])
    expect(diffOf(plan, facts({ packageSha256: 'c'.repeat(64) }))).toEqual([])
  })
  it('another tenant, a project created or gone since the plan', () => {
    expect(diffOf(plan, facts({ tenant: 'test.example.com' }))).toEqual([
      'the plan is for target tenant prod.example.com; this run targets test.example.com'
    ])
    expect(diffOf(plan, facts({ projectId: undefined, current: undefined }))).toEqual([
      "the target project 'Sales' (p-1) no longer exists"
    ])
    const fresh = fingerprint(
      facts({ projectId: undefined, current: undefined, targetBindings: undefined })
    )
    expect(diffOf(fresh, facts())).toEqual([
      "the target project 'Sales' was created since the plan (p-1); the plan was for a new project"
    ])
  })
  it('other steps (other options): each step named', () => {
    const now = facts({
      steps: ['Set 2 binding variable(s)', 'Import the package (import-async)', 'Validate']
    })
    expect(diffOf(plan, now)).toEqual(["this run would 'Validate', which the plan does not"])
  })
})

describe('a plan applied to the simulator (the in-process pipeline)', () => {
  let sim: Simulator
  let dir: string
  const deploy = (extra: Record<string, string> = {}) => deploySupport(sim, dir, extra)
  const plan = async (extra: Record<string, string> = {}): Promise<string> => {
    const { report } = await deploy({ 'dry-run': 'true', ...extra })
    expect(report.error).toBeUndefined()
    expect(report.plan?.fingerprint?.digest).toMatch(/^[0-9a-f]{64}$/)
    return (report.planPath as string).replace(/\.md$/, '.json')
  }
  const writes = () =>
    sim
      .requests({ tenant: 'prod' })
      .filter((r) => r.method !== 'GET' && !r.path.endsWith('/actions/export'))

  beforeAll(async () => {
    sim = await startDemo()
    dir = mkdtempSync(join(tmpdir(), 'qdp-plan-'))
    cpSync(new URL('../../examples/project/', import.meta.url).pathname, dir, { recursive: true })
    expect((await deploy()).report.error).toBeUndefined()
  })
  afterAll(async () => {
    await sim.close()
  })
  const change = (from: string, to: string) => {
    const f = join(dir, 'qtcp_tasks/Storage support/task.yaml')
    writeFileSync(f, readFileSync(f, 'utf8').replace(from, to))
  }

  it('an unchanged plan applies, and the report says which plan', async () => {
    change('tableUpdateConcurrency: 4', 'tableUpdateConcurrency: 6')
    const path = await plan()
    const sealed = JSON.parse(readFileSync(path, 'utf8'))
    const { report, log } = await deploy({ 'plan-file': path })
    expect(report.error).toBeUndefined()
    expect(report.planCheck?.digest).toBe(sealed.fingerprint.digest)
    expect(log.text()).toContain('this run is the plan')
  })

  it('after another deploy changed the target: refused before any write, the task named', async () => {
    change('tableUpdateConcurrency: 6', 'tableUpdateConcurrency: 7')
    const path = await plan()
    // someone deploys another change meanwhile (a hot fix in the Qlik UI would do the same)
    const p = sim.state('prod').projects.find((x) => x.name === 'Support')!
    const file = 'qtcp_tasks/Storage support/task.yaml'
    p.definitionFiles![file] = strToU8(
      strFromU8(p.definitionFiles![file]!).replace(
        'tableUpdateConcurrency: 6',
        'tableUpdateConcurrency: 9'
      )
    )
    sim.clearRequests()
    const { report } = await deploy({ 'plan-file': path })
    expect(report.outcome).toBe('failed')
    expect(report.failedStep).toBe('Check the run against the plan (plan-file)')
    expect(report.error).toContain(
      "task 'Storage support' (storage_support): setting /taskRuntime/tableUpdateConcurrency changed since the plan"
    )
    expect(report.error).toContain('no write was sent to it')
    expect(report.badInput).toBeFalsy()
    expect(writes()).toEqual([])
  })

  it('other bindings: refused naming the variable, not its value', async () => {
    const path = await plan()
    sim.clearRequests()
    const { report } = await deploy({
      'plan-file': path,
      bindings: SUPPORT_BINDINGS_YAML.replace('SUPPORT_PROD', 'SUPPORT_OTHER')
    })
    expect(report.error).toContain(
      "binding task-type.storage.databaseName would be sent with another value than the plan's"
    )
    expect(report.error).not.toContain('SUPPORT_OTHER')
    expect(writes()).toEqual([])
  })

  it('another package: refused naming both digests', async () => {
    const path = await plan()
    change('tableUpdateConcurrency: 7', 'tableUpdateConcurrency: 5')
    sim.clearRequests()
    const { report } = await deploy({ 'plan-file': path })
    const planned = JSON.parse(readFileSync(path, 'utf8')).fingerprint.package.sha256
    expect(report.error).toContain(
      `the plan's package has sha256 ${planned}, this run's has sha256 ${report.package?.sha256}`
    )
    expect(writes()).toEqual([])
  })

  it('a ZIP (zip-path) binds the same way; another ZIP of the same files is the plan package', async () => {
    const files = readProjectFolder(dir).files
    const zipPath = join(dir, '..', `support-${Date.now()}.zip`)
    writeFileSync(zipPath, zipDeterministic(files))
    const path = await plan({ 'package-dir': '', 'zip-path': zipPath })
    // the same files zipped otherwise (as a new export of the same project can be): other bytes
    const other = join(dir, '..', `support-other-${Date.now()}.zip`)
    writeFileSync(other, zipSync(files, { level: 1 }))
    const { report, log } = await deploy({
      'package-dir': '',
      'zip-path': other,
      'plan-file': path
    })
    expect(report.error).toBeUndefined()
    expect(report.planCheck?.differences).toEqual([])
    expect(log.text()).toContain("but holds the same files: it is the plan's package")
  })

  it('a plan edited after it was made, or that would fail: bad input, before any request', async () => {
    const path = await plan()
    const doc = JSON.parse(readFileSync(path, 'utf8'))
    doc.steps.pop()
    writeFileSync(path, JSON.stringify(doc))
    sim.clearRequests()
    const edited = await deploy({ 'plan-file': path })
    expect(edited.report.badInput).toBe(true)
    expect(edited.report.error).toContain('was changed after it was made')
    const missing = await deploy({ 'plan-file': join(dir, 'nope.json') })
    expect(missing.report.error).toContain("Input 'plan-file'")
    expect(missing.report.error).toContain('no such file')
    expect(sim.requests({ tenant: 'prod' })).toEqual([])
  })
})

describe('a projects file: each project applies its own plan', () => {
  let sim: Simulator
  let file: string
  const set = (extra: Record<string, string> = {}) =>
    runPromote(sim, { 'source-project': '', bindings: '', 'projects-file': file, ...extra })
  beforeAll(async () => {
    sim = await startDemo(threeProjects())
    file = projectsFile(threeProjectEntries())
    expect((await set()).report.outcome).toBe('succeeded')
  })
  afterAll(async () => {
    await sim.close()
  })

  it('a plan of the set applies project by project (a new export of the same files is the plan package)', async () => {
    const planned = await set({ 'dry-run': 'true' })
    expect(planned.report.outcome).toBe('succeeded')
    const path = (planned.report.planPath as string).replace(/\.md$/, '.json')
    const plans = JSON.parse(readFileSync(path, 'utf8')) as Array<{ project: string }>
    expect(plans.map((x) => x.project)).toEqual(['Hub', 'Marts', 'Reports'])
    const { report } = await set({ 'plan-file': path })
    expect(report.error).toBeUndefined()
    expect(report.projectReports?.map((x) => x.report.planCheck?.differences)).toEqual([[], [], []])
    expect(renderSummary(report)).toContain(
      'Each of the 3 project(s) was checked against its reviewed plan (plan-file) before its first write, and applied it.'
    )
  })

  it('a project whose target changed since the plan is refused, and the set says which', async () => {
    const planned = await set({ 'dry-run': 'true' })
    const path = (planned.report.planPath as string).replace(/\.md$/, '.json')
    const hub = sim.state('prod').projects.find((x) => x.name === 'Hub')!
    const file = Object.keys(hub.definitionFiles!).find((f) => f.endsWith('/task.yaml'))!
    const text = strFromU8(hub.definitionFiles![file]!)
    hub.definitionFiles![file] = strToU8(text.replace(/name: (.*)/, 'name: $1 (hot fix)'))
    const { report } = await set({ 'plan-file': path })
    expect(report.outcome).toBe('failed')
    const own = report.projectReports?.find((x) => x.name === 'Hub')?.report
    expect(own?.planCheck?.differences.join()).toContain('the name changed since the plan')
    expect(renderSummary(report)).toContain(
      '**1 of 1 project(s) are not their reviewed plan** (plan-file): Hub; nothing was sent to them.'
    )
    hub.definitionFiles![file] = strToU8(text)
  })

  it('a project without a plan in the file is refused before any request', async () => {
    const planned = await set({ 'dry-run': 'true', only: 'Hub' })
    const path = (planned.report.planPath as string).replace(/\.md$/, '.json')
    sim.clearRequests()
    const { report } = await set({ 'plan-file': path })
    expect(report.badInput).toBe(true)
    expect(report.error).toContain('2 of the 3 projects cannot be applied')
    expect(report.error).toContain("has no plan for project 'Marts'")
    expect(report.error).toContain("has no plan for project 'Reports'")
    expect(sim.requests()).toEqual([])
  })
})

describe('a plan file is data: bounded, checked, never trusted', () => {
  const write = (text: string): string => {
    const path = join(mkdtempSync(join(tmpdir(), 'qdp-planfile-')), 'plan.json')
    writeFileSync(path, text)
    return path
  }
  const problem = (text: string, project?: string): string => {
    try {
      loadPlan(write(text), project)
      return 'loaded'
    } catch (e) {
      return (e as Error).message
    }
  }
  it('refuses what is not a sealed plan of a run that can apply, saying what it is', () => {
    expect(problem('{')).toContain('is not JSON')
    expect(problem('{"steps": []}')).toContain('is not a plan file this version reads')
    expect(problem(JSON.stringify({ canApply: true, problems: [], steps: [] }))).toContain(
      'holds a plan without a fingerprint'
    )
    expect(problem(`${'['.repeat(200_000)}${']'.repeat(200_000)}`)).toContain(
      'not the plans of a projects file'
    )
    // shaped like a plan, with something nested deeper than any plan under an unknown key
    const sealedShape = JSON.stringify({
      canApply: true,
      problems: [],
      steps: [],
      fingerprint: { ...fingerprint(facts()), digest: '0'.repeat(64) }
    })
    const deep = `{"x":${'['.repeat(100_000)}${']'.repeat(100_000)},${sealedShape.slice(1)}`
    expect(problem(deep)).toMatch(/nested too deeply/)
    expect(problem(sealedShape)).toContain('was changed after it was made')
    expect(problem('[]', 'Hub')).toContain("has no plan for project 'Hub'")
    expect(problem('{}', 'Hub')).toContain('holds the plan of one project')
    expect(problem(JSON.stringify([{ project: 'Hub', plan: null }]))).toContain(
      "holds the plans of a projects file ('Hub')"
    )
  })
  it('a name that carries a line break or a command stays one quoted line', () => {
    const msg = problem(JSON.stringify([{ project: 'x\n::warning::owned', plan: {} }]))
    expect(msg).not.toContain('\n')
    expect(msg).toContain("'x\\n::warning::owned'")
  })
})
