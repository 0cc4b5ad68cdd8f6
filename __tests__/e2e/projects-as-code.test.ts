/**
 * Projects as code through the bundles: dist/index.js (mode validate with annotations on the file
 * and line, package-dir deploy, export-dir) and dist/cli/index.js (`validate`, exit 0 / 1 / 2).
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Simulator } from '../../src/simulator/server.js'
import { runAction } from '../helpers/action.js'
import { ROOT, runCliBundle } from '../helpers/bundle.js'
import { startDemo } from '../helpers/sim.js'

const example = join(ROOT, 'examples', 'project')
const supportBindings = join(ROOT, 'examples', 'bindings', 'support-prod.yaml')

let sim: Simulator
beforeEach(async () => {
  sim = await startDemo()
})
afterEach(async () => {
  await sim.close()
})

/** A workspace holding a copy of the example project under project/. */
function workspace(): string {
  const ws = mkdtempSync(join(tmpdir(), 'qdp-ws-'))
  cpSync(example, join(ws, 'project'), { recursive: true })
  return ws
}

/** The command line in `cwd`, its artifacts under cwd/.out. */
const cli = (args: string[], cwd: string) =>
  runCliBundle(args, cwd, { QLIK_ARTIFACT_DIR: join(cwd, '.out') })

it('mode validate annotates each problem on its file and line: a schema finding warns, with strict-schemas it fails the step; nothing is sent', async () => {
  const ws = workspace()
  const task = join(ws, 'project', 'qtcp_tasks', 'Storage support', 'task.yaml')
  writeFileSync(
    task,
    readFileSync(task, 'utf8').replace('tableUpdateConcurrency: 4', 'tableUpdateConcurrency: many')
  )
  const lax = await runAction(
    { mode: 'validate', 'package-dir': join(ws, 'project') },
    { GITHUB_WORKSPACE: ws }
  )
  expect(lax.code).toBe(0)
  expect(lax.stdout).toContain(
    '::warning title=Project definition,file=project/qtcp_tasks/Storage support/task.yaml,line=10::qtcp_tasks/Storage support/task.yaml:10: /settings/taskRuntime/tableUpdateConcurrency: must be integer (schema task.schema.json)'
  )
  const r = await runAction(
    { mode: 'validate', 'package-dir': join(ws, 'project'), 'strict-schemas': 'true' },
    { GITHUB_WORKSPACE: ws }
  )
  expect(r.code).toBe(1)
  expect(r.stdout).toContain(
    '::error title=Invalid project definition,file=project/qtcp_tasks/Storage support/task.yaml,line=10::qtcp_tasks/Storage support/task.yaml:10: /settings/taskRuntime/tableUpdateConcurrency: must be integer (schema task.schema.json)'
  )
  expect(r.summary).toContain('Qlik DI project package: not valid')
  expect(r.summary).toContain(
    '| ❌ | project/qtcp_tasks/Storage support/task.yaml | 10 | `/settings/taskRuntime/tableUpdateConcurrency` | must be integer (schema task.schema.json) |'
  )
  expect(sim.requests()).toEqual([])
  const ok = await runAction(
    { mode: 'validate', 'package-dir': example },
    { GITHUB_WORKSPACE: ROOT }
  )
  expect(ok.code).toBe(0)
  expect(ok.summary).toContain('Qlik DI project package: valid')
}, 60000)

it('deploys a project folder with package-dir, like an exported package', async () => {
  const prod = sim.tenantInfo('prod')
  const r = await runAction({
    mode: 'deploy',
    'package-dir': example,
    'target-project': 'Support',
    'target-tenant': prod.url,
    'target-api-key': prod.apiKey,
    'target-space': 'PROD_PIPELINES',
    'bindings-file': supportBindings,
    'poll-interval': '0.02'
  })
  expect(r.stderr).toBe('')
  expect(r.code).toBe(0)
  expect(r.outputs).toMatchObject({
    'project-created': 'true',
    'artifact-name': 'qlik-di-support-v1.2.3',
    'validate-state': 'COMPLETED',
    'zip-sha256': expect.stringMatching(/^[0-9a-f]{64}$/)
  })
  const project = sim.state('prod').projects.find((p) => p.name === 'Support')!
  expect(project.tasks.map((t) => t.id)).toEqual(['landing_tickets', 'storage_support'])
  expect(r.summary).toContain('export mode folder')
}, 60000)

it('export-dir writes the export as a folder the CLI then validates', async () => {
  const dev = sim.tenantInfo('dev')
  const ws = mkdtempSync(join(tmpdir(), 'qdp-ws-'))
  const out = join(ws, 'pipelines', 'sales')
  const r = await runAction({
    mode: 'export',
    'source-tenant': dev.url,
    'source-api-key': dev.apiKey,
    'source-project': 'Sales pipeline',
    'export-dir': out,
    'include-bindings': 'true'
  })
  expect(r.code).toBe(0)
  expect(existsSync(join(out, 'qtcp_tasks', 'Storage sales', 'task.yaml'))).toBe(true)
  expect(existsSync(join(out, 'bindings.json'))).toBe(false)
  const valid = await cli(['validate', '--package-dir', out], ws)
  expect(valid.code).toBe(0)
  expect(valid.out).toContain('VALID')
}, 60000)

it('the CLI validate command: 0 valid, 1 invalid with every problem, 2 not a folder', async () => {
  const ws = workspace()
  expect((await cli(['validate', '--package-dir', 'project'], ws)).code).toBe(0)
  writeFileSync(
    join(ws, 'project', 'qtcp_bindings_definition.json'),
    JSON.stringify({ variables: { projectName: '' } })
  )
  const bad = await cli(['validate', '--package-dir', 'project'], ws)
  expect(bad.code).toBe(1)
  expect(bad.out).toContain('INVALID')
  expect(bad.out).toContain(
    'qtcp_project.yaml:12: /properties/platformConnection: uses the variable {{platformConnection}}, which qtcp_bindings_definition.json does not declare'
  )
  const missing = await cli(['validate', '--package-dir', 'nope'], ws)
  expect(missing.code).toBe(2)
  expect(missing.out).toContain(`--package-dir (QLIK_PACKAGE_DIR): no folder ${join(ws, 'nope')}.`)
  const zip = await cli(['validate', '--zip-path', join(ws, 'project', 'qtcp_project.yaml')], ws)
  expect(zip.code).toBe(2)
  expect(zip.out).toContain('is not a ZIP archive')
  // validate writes nothing unless asked: no report beside the project, none in the artifact dir
  expect(readdirSync(ws).sort()).toEqual(['project'])
  const asked = await cli(['validate', '--package-dir', 'project', '--report-path', 'r.json'], ws)
  expect(asked.out).toContain(`report-path: r.json`)
  expect(existsSync(join(ws, 'r.json'))).toBe(true)
}, 60000)

it('a dry run through the bundle writes the release plan to plan-path (Markdown and JSON)', async () => {
  const prod = sim.tenantInfo('prod')
  const target = {
    mode: 'deploy',
    'package-dir': example,
    'target-project': 'Support',
    'target-tenant': prod.url,
    'target-api-key': prod.apiKey,
    'target-space': 'PROD_PIPELINES',
    'bindings-file': supportBindings,
    'poll-interval': '0.02'
  }
  expect((await runAction(target)).code).toBe(0)
  // the next version of the folder raises a setting
  const ws = workspace()
  const task = join(ws, 'project', 'qtcp_tasks', 'Storage support', 'task.yaml')
  writeFileSync(
    task,
    readFileSync(task, 'utf8').replace('tableUpdateConcurrency: 4', 'tableUpdateConcurrency: 8')
  )
  sim.clearRequests()
  const r = await runAction({ ...target, 'package-dir': join(ws, 'project'), 'dry-run': 'true' })
  expect(r.code).toBe(0)
  const md = readFileSync(r.outputs['plan-path']!, 'utf8')
  expect(md).toContain(
    '| ✏️ changed | Storage support (`storage_support`) | STORAGE | `/taskRuntime/tableUpdateConcurrency`: `4` → `8` |'
  )
  expect(md).toContain('Unchanged: `landing_tickets`')
  const json = JSON.parse(readFileSync(r.outputs['plan-path']!.replace(/\.md$/, '.json'), 'utf8'))
  expect(json.changes.tasks.changed[0].id).toBe('storage_support')
  expect(r.summary).toMatch(/^## ✅ Plan: the promotion can be applied · Support → /)
  expect(md).toContain('Release plan: Support →')
  // only reads and the export reached the target
  expect(
    sim
      .requests({ tenant: 'prod' })
      .filter(
        (q) =>
          q.method !== 'GET' && !q.path.endsWith('/actions/export') && q.path !== '/oauth/token'
      )
  ).toEqual([])
}, 60000)

const realExports = join(ROOT, '..', 'shared', 'real-exports')
;(existsSync(realExports) ? it : it.skip)(
  `the CLI validates every real export in ${realExports} (exit 0), a broken copy with exit 1 naming file and line, and --strict-schemas turns schema warnings into errors`,
  async () => {
    const { readdirSync } = await import('node:fs')
    const names = readdirSync(realExports, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
    const ws = workspace()
    for (const n of names) {
      const r = await cli(['validate', '--package-dir', join(realExports, n)], ws)
      expect({ n, code: r.code }).toEqual({ n, code: 0 })
    }
    const broken = join(ws, 'broken')
    cpSync(join(realExports, names[0]!), broken, { recursive: true })
    writeFileSync(join(broken, 'qtcp_project.yaml'), 'properties:\n  type: [x\n')
    const bad = await cli(['validate', '--package-dir', broken], ws)
    expect(bad.code).toBe(1)
    expect(bad.out).toMatch(/qtcp_project\.yaml:\d+: \/: is not valid YAML/)
    const strict = await Promise.all(
      names.map((n) =>
        cli(['validate', '--strict-schemas', '--package-dir', join(realExports, n)], ws)
      )
    )
    expect(strict.some((r) => r.code === 1 && /\(schema [a-z.]+\.json\)/.test(r.out))).toBe(true)
  }
)

it('a misspelled input in the workflow is named, with the input it resembles', async () => {
  const r = await runAction({ mode: 'validate', 'package-dir': example, 'strict-schema': 'true' })
  expect(r.code).toBe(0)
  expect(r.stdout).toContain(
    "::warning::Input 'strict-schema' is not an input of this action (did you mean 'strict-schemas'?): it is ignored."
  )
})
