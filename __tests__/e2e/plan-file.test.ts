/**
 * Approve a plan, apply exactly that plan, through the bundles: dist/cli/index.js (a plan of a
 * changed project folder, then deploys with --plan-file: applied, or refused with exit 1 and no
 * write) and dist/index.js (a plan job on the tag, its report artifact, a deploy job from the
 * package artifact with plan-file), against the simulator over HTTP.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { strFromU8, strToU8, unzipSync } from 'fflate'
import type { Simulator } from '../../src/simulator/server.js'
import { runAction } from '../helpers/action.js'
import { FakeArtifactService } from '../helpers/artifact-service.js'
import { ROOT, runCliBundle } from '../helpers/bundle.js'
import { PROD_BINDINGS_YAML } from '../helpers/pipeline.js'
import { startDemo } from '../helpers/sim.js'

const bindingsFile = join(ROOT, 'examples', 'bindings', 'support-prod.yaml')
const TASK_FILE = 'qtcp_tasks/Storage support/task.yaml'

let sim: Simulator
beforeEach(async () => {
  sim = await startDemo()
})
afterEach(async () => {
  await sim.close()
})

/** Writes to the prod tenant since the last clear: none but reads and the target's export. */
const writes = () =>
  sim
    .requests({ tenant: 'prod' })
    .filter((r) => r.method !== 'GET' && !r.path.endsWith('/actions/export'))
    .map((r) => `${r.method} ${r.path}`)

/** An output line of the command line (`  name: value`). */
const output = (out: string, name: string): string =>
  new RegExp(`^  ${name}: (.+)$`, 'm').exec(out)?.[1] ?? ''

describe('the command line', () => {
  let dir: string
  let cwd: string
  const edit = (from: string, to: string, folder = dir) => {
    const f = join(folder, TASK_FILE)
    writeFileSync(f, readFileSync(f, 'utf8').replace(from, to))
  }
  const deploy = (extra: string[] = [], folder = dir) =>
    runCliBundle(
      [
        'deploy',
        '--target-tenant',
        sim.tenantInfo('prod').url,
        '--target-space',
        'PROD_PIPELINES',
        '--target-project',
        'Support',
        '--package-dir',
        folder,
        '--bindings-file',
        bindingsFile,
        '--poll-interval',
        '0.02',
        ...extra
      ],
      cwd,
      { QLIK_TARGET_API_KEY: sim.tenantInfo('prod').apiKey }
    )
  const plan = async (): Promise<string> => {
    const r = await deploy(['--dry-run'])
    expect(r.out).toContain('DRY RUN OK')
    expect(r.code).toBe(0)
    const path = output(r.out, 'plan-file')
    expect(path).toMatch(/qlik-di-promote-plan\.json$/)
    // kept apart, as a workflow keeps the plan job's artifact: the next dry run writes its own
    const kept = join(mkdtempSync(join(tmpdir(), 'qdp-plan-')), 'plan.json')
    cpSync(path, kept)
    return kept
  }
  beforeEach(async () => {
    cwd = mkdtempSync(join(tmpdir(), 'qdp-plan-cli-'))
    dir = join(cwd, 'project')
    cpSync(join(ROOT, 'examples', 'project'), dir, { recursive: true })
    expect((await deploy()).code).toBe(0)
    edit('tableUpdateConcurrency: 4', 'tableUpdateConcurrency: 6')
  })

  it('a plan of a changed package applies with --plan-file (exit 0, the plan named)', async () => {
    const path = await plan()
    const digest = JSON.parse(readFileSync(path, 'utf8')).fingerprint.digest as string
    const r = await deploy(['--plan-file', path])
    expect(r.out).toContain('DEPLOYED')
    expect(r.code).toBe(0)
    expect(output(r.out, 'applied-plan')).toBe(digest)
    expect(r.out).toContain(`Applying plan ${digest.slice(0, 12)}`)
  })

  it('after another deploy changed the target: exit 1, nothing written, the task named', async () => {
    const path = await plan()
    // another deploy lands first (another folder, another concurrency)
    const other = join(cwd, 'other')
    cpSync(join(ROOT, 'examples', 'project'), other, { recursive: true })
    edit('tableUpdateConcurrency: 4', 'tableUpdateConcurrency: 2', other)
    expect((await deploy([], other)).code).toBe(0)
    sim.clearRequests()
    const r = await deploy(['--plan-file', path])
    expect(r.code).toBe(1)
    expect(r.out).toContain('REFUSED')
    expect(r.out).toContain('this run is not the plan')
    expect(r.out).toContain(
      "task 'Storage support' (storage_support): setting /taskRuntime/tableUpdateConcurrency changed since the plan"
    )
    expect(r.out).toContain('Nothing was changed on')
    expect(output(r.out, 'applied-plan')).toBe('')
    expect(writes()).toEqual([])
  })

  it('another package, or other bindings: refused the same way, naming the digests or the variable', async () => {
    const path = await plan()
    const planned = JSON.parse(readFileSync(path, 'utf8')).fingerprint.package.sha256 as string
    edit('tableUpdateConcurrency: 6', 'tableUpdateConcurrency: 3')
    sim.clearRequests()
    const pkg = await deploy(['--plan-file', path])
    expect(pkg.code).toBe(1)
    expect(pkg.out).toContain(`the plan's package has sha256 ${planned}, this run's has sha256`)
    expect(writes()).toEqual([])

    edit('tableUpdateConcurrency: 3', 'tableUpdateConcurrency: 6')
    const bindings = join(cwd, 'prod.yaml')
    writeFileSync(
      bindings,
      readFileSync(bindingsFile, 'utf8').replace('SUPPORT_PROD', 'SUPPORT_ELSEWHERE')
    )
    const b = await deploy(['--plan-file', path, '--bindings-file', bindings])
    expect(b.code).toBe(1)
    expect(b.out).toContain(
      "binding task-type.storage.databaseName would be sent with another value than the plan's"
    )
    expect(b.out).not.toContain('SUPPORT_ELSEWHERE')
    expect(writes()).toEqual([])

    // an edited plan is bad input: exit 2, before any request
    const doc = JSON.parse(readFileSync(path, 'utf8'))
    doc.steps = doc.steps.slice(1)
    writeFileSync(path, JSON.stringify(doc))
    sim.clearRequests()
    const edited = await deploy(['--plan-file', path])
    expect(edited.code).toBe(2)
    expect(edited.out).toContain('was changed after it was made')
    expect(sim.requests({ tenant: 'prod' })).toEqual([])
  })
})

describe('the action: a plan job, reviewers, a deploy job with plan-file', () => {
  let service: FakeArtifactService
  beforeAll(async () => {
    service = await new FakeArtifactService().start()
  })
  afterAll(async () => {
    await service.close()
  })
  const tenants = () => {
    const dev = sim.tenantInfo('dev')
    const prod = sim.tenantInfo('prod')
    return {
      dev: { 'source-tenant': dev.url, 'source-api-key': dev.apiKey },
      prod: {
        'target-tenant': prod.url,
        'target-api-key': prod.apiKey,
        'target-space': 'PROD_PIPELINES',
        bindings: PROD_BINDINGS_YAML,
        'poll-interval': '0.02'
      }
    }
  }
  /** The plan job: promote --dry-run on the tag; its package and its report are artifacts. */
  const planJob = async (artifact: string, job: string): Promise<string> => {
    const t = tenants()
    const r = await runAction(
      {
        ...t.dev,
        ...t.prod,
        'source-project': 'Sales pipeline',
        'dry-run': 'true',
        'artifact-name': artifact
      },
      { ...service.env('/tmp'), GITHUB_JOB: job, GITHUB_SERVER_URL: 'https://github.com' }
    )
    expect(r.stdout).not.toContain('::error')
    expect(r.code).toBe(0)
    expect(r.outputs['plan-file']).toMatch(/qlik-di-promote-plan\.json$/)
    expect(r.summary).toContain('a run given this plan')
    // the deploy job downloads the plan job's report artifact (actions/download-artifact)
    const kept = service.artifacts.find((x) => x.name === r.outputs['report-artifact-name'])!
    const files = unzipSync(new Uint8Array(kept.content!))
    const plan = files['qlik-di-promote-plan.json']!
    const path = join(mkdtempSync(join(tmpdir(), 'qdp-plan-job-')), 'qlik-di-promote-plan.json')
    writeFileSync(path, plan)
    return path
  }
  const deployJob = (artifact: string, planFile: string) => {
    const t = tenants()
    return runAction(
      { ...t.prod, mode: 'deploy', 'artifact-name': artifact, 'plan-file': planFile },
      { ...service.env('/tmp'), GITHUB_JOB: 'deploy' }
    )
  }

  it('applies the reviewed plan from the artifact; refuses it once the target changed', async () => {
    const first = await planJob('sales-v1', 'plan')
    const applied = await deployJob('sales-v1', first)
    expect(applied.stdout).not.toContain('::error')
    expect(applied.code).toBe(0)
    const digest = JSON.parse(readFileSync(first, 'utf8')).fingerprint.digest as string
    expect(applied.outputs['applied-plan']).toBe(digest)
    expect(applied.summary).toContain(`Applied the reviewed plan \`${digest.slice(0, 12)}\``)
    expect(applied.summary).toContain(
      "[the plan's run](https://github.com/acme/data-platform/actions/runs/4242)"
    )

    // the next release: planned, then a hot fix in the Qlik UI lands before the reviewers approve
    const second = await planJob('sales-v2', 'plan2')
    const p = sim.state('prod').projects.find((x) => x.name === 'Sales pipeline')!
    const file = 'qtcp_tasks/Landing orders/task.yaml'
    const before = strFromU8(p.definitionFiles![file]!)
    p.definitionFiles![file] = strToU8(
      before.replace('name: Landing orders', 'name: Landing orders (hot fix)')
    )
    expect(strFromU8(p.definitionFiles![file]!)).not.toBe(before)
    sim.clearRequests()
    const refused = await deployJob('sales-v2', second)
    expect(refused.code).toBe(1)
    expect(refused.stdout).toContain('::error')
    expect(refused.stdout).toContain(
      "task 'Landing orders (hot fix)' (landing_orders): the name changed since the plan"
    )
    expect(refused.summary).toContain('## ❌ Refused: not the reviewed plan, nothing changed')
    expect(refused.summary).toContain('**This run is not the reviewed plan**')
    expect(refused.outputs['applied-plan']).toBe('')
    expect(writes()).toEqual([])
  }, 120000)
})
