/**
 * `npm run gallery`: what people see, from real runs. Starts the simulator with its demo
 * configuration, runs the action bundle (dist/index.js, as the runner does: INPUT_* variables,
 * GITHUB_STEP_SUMMARY) once per kind of summary, and writes each job summary to
 * docs/gallery/<kind>.md, plus the pull-request plan comment of a dry run. With Chromium and
 * cmark-gfm on the machine (Debian: `apt-get install chromium cmark-gfm fonts-noto-color-emoji`) it
 * renders each with GitHub's Markdown stylesheet (github-markdown-css) 1000 px wide into
 * docs/gallery/<kind>.png, the screenshots the README shows.
 *
 *   npm run package && npm run gallery            # Markdown and screenshots
 *   npm run gallery -- --markdown-only            # Markdown only
 */
import { spawn, spawnSync } from 'node:child_process'
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync
} from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parse } from 'yaml'
import type { RunReport } from '../src/model/report.js'
import { planMarkdown } from '../src/report/plan.js'
import type { SimulatorConfigInput } from '../src/simulator/config.js'
import { Simulator } from '../src/simulator/server.js'

const ROOT = resolve(new URL('..', import.meta.url).pathname)
const OUT = join(ROOT, 'docs/gallery')
const markdownOnly = process.argv.includes('--markdown-only')

const config = parse(
  readFileSync(join(ROOT, 'src/simulator/demo.yaml'), 'utf8')
) as SimulatorConfigInput
config.timing = { actionPendingMs: 100, actionTaskMs: 150, taskRunMs: 800, taskStartingMs: 100 }
const sim = await Simulator.start(config)
const dev = sim.tenantInfo('dev')
const prod = sim.tenantInfo('prod')
const PROD_BINDINGS = readFileSync(join(ROOT, 'examples/bindings/prod.yaml'), 'utf8')
const SUPPORT_BINDINGS = readFileSync(join(ROOT, 'examples/bindings/support-prod.yaml'), 'utf8')

/** Run the action bundle as the runner does; its job summary and report. */
async function action(
  inputs: Record<string, string>,
  /** Files of the workspace (the step's working directory), by relative path. */
  workspace: Record<string, string> = {}
): Promise<{
  code: number | null
  summary: string
  report: RunReport
}> {
  const dir = mkdtempSync(join(tmpdir(), 'qdp-gallery-'))
  const files = {
    GITHUB_OUTPUT: 'output',
    GITHUB_STEP_SUMMARY: 'summary.md',
    GITHUB_STATE: 'state'
  }
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    RUNNER_TEMP: dir,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_REPOSITORY: 'acme/data-platform',
    GITHUB_RUN_ID: '12345678',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_JOB: 'promote',
    GITHUB_REF: 'refs/tags/v1.4.0',
    GITHUB_SHA: '3f9c2a1d8e7b6a5c4d3e2f1a0b9c8d7e6f5a4b3c',
    QLIK_ARTIFACT_DIR: join(dir, 'artifacts'),
    PROD_DATABASE: 'ANALYTICS'
  }
  for (const [path, text] of Object.entries(workspace)) writeFileSync(join(dir, path), text)
  for (const [k, f] of Object.entries(files)) {
    env[k] = join(dir, f)
    writeFileSync(env[k] as string, '')
  }
  const all: Record<string, string> = {
    'source-tenant': dev.url,
    'source-api-key': dev.apiKey,
    'target-tenant': prod.url,
    'target-api-key': prod.apiKey,
    'target-space': 'PROD_PIPELINES',
    'poll-interval': '0.1',
    'upload-report': 'false',
    'report-path': join(dir, 'report.json'),
    ...inputs
  }
  for (const [k, v] of Object.entries(all)) env[`INPUT_${k.toUpperCase()}`] = v
  // not spawnSync: the simulator answers from this process's event loop
  const child = spawn(process.execPath, [join(ROOT, 'dist/index.js')], {
    cwd: dir,
    env,
    stdio: 'ignore'
  })
  const code = await new Promise<number | null>((done) => child.on('close', done))
  const summary = readFileSync(join(dir, 'summary.md'), 'utf8')
  const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as RunReport
  rmSync(dir, { recursive: true, force: true })
  return { code, summary, report }
}

const shots: Array<{ kind: string; code: number | null; expect: number }> = []
function keep(
  kind: string,
  run: Awaited<ReturnType<typeof action>>,
  expect: number,
  text = run.summary
): void {
  writeFileSync(join(OUT, `${kind}.md`), text)
  shots.push({ kind, code: run.code, expect })
}

mkdirSync(OUT, { recursive: true })
const sales = { 'source-project': 'Sales pipeline', bindings: PROD_BINDINGS }
try {
  // the first release of the Sales pipeline: its plan, then the promotion
  keep('dry-run-create', await action({ ...sales, 'dry-run': 'true' }), 0)
  keep('promote', await action({ ...sales, 'run-tasks': 'all' }), 0)
  // a change a reviewer should see: a binding's value, old → new
  const plan = await action({
    ...sales,
    bindings: PROD_BINDINGS.replace('${PROD_DATABASE}', 'ANALYTICS_V2'),
    'dry-run': 'true'
  })
  keep('dry-run', plan, 0)
  keep('plan-comment', plan, 0, planMarkdown(plan.report))
  keep(
    'dry-run-blocker',
    await action({
      ...sales,
      // a connection that prod does not have
      bindings: PROD_BINDINGS.replace('PROD_DATA.snowflake_prod', 'PROD_DATA.snowflake_prd'),
      'dry-run': 'true'
    }),
    1
  )
  keep('export', await action({ mode: 'export', 'source-project': 'Sales pipeline' }), 0)
  // projects as code: examples/project/ deployed as "Support", then checked for drift
  const support = {
    'package-dir': join(ROOT, 'examples/project'),
    'target-project': 'Support',
    bindings: SUPPORT_BINDINGS
  }
  keep('deploy', await action({ ...support, mode: 'deploy' }), 0)
  // a release that drops a dataset: the plan says what prepare would do to the data
  const dropping = mkdtempSync(join(tmpdir(), 'qdp-gallery-drop-'))
  cpSync(join(ROOT, 'examples/project'), dropping, { recursive: true })
  rmSync(join(dropping, 'qtcp_tasks/Storage support/datasets/ticket_comments.yaml'))
  keep(
    'dry-run-drop',
    await action({ ...support, 'package-dir': dropping, mode: 'deploy', 'dry-run': 'true' }),
    1
  )
  keep('drift-none', await action({ ...support, mode: 'drift' }), 0)
  // someone changes prod by hand: the storage database is no longer the one in git
  await action({
    ...support,
    mode: 'deploy',
    bindings: SUPPORT_BINDINGS.replace('SUPPORT_PROD', 'SUPPORT_HOTFIX')
  })
  keep('drift', await action({ ...support, mode: 'drift' }), 1)
  // plan, approve, apply: a reviewed plan applied as it is, then one that prod outran
  const changed = mkdtempSync(join(tmpdir(), 'qdp-gallery-plan-'))
  cpSync(join(ROOT, 'examples/project'), changed, { recursive: true })
  const concurrency = (from: number, to: number): void => {
    const f = join(changed, 'qtcp_tasks/Storage support/task.yaml')
    writeFileSync(
      f,
      readFileSync(f, 'utf8').replace(
        `tableUpdateConcurrency: ${from}`,
        `tableUpdateConcurrency: ${to}`
      )
    )
  }
  concurrency(4, 6)
  const release = { ...support, 'package-dir': changed, mode: 'deploy' }
  // the plan file as the dry run wrote it: its report's plan, in the apply job's workspace
  const planFile = async (): Promise<Record<string, string>> => ({
    'plan.json': JSON.stringify((await action({ ...release, 'dry-run': 'true' })).report.plan)
  })
  const approved = await planFile()
  keep('plan-applied', await action({ ...release, 'plan-file': 'plan.json' }, approved), 0)
  concurrency(6, 8)
  const outran = await planFile()
  // before the reviewers approve, a hot fix lands on prod: another storage database, concurrency 4
  await action({
    ...support,
    mode: 'deploy',
    bindings: SUPPORT_BINDINGS.replace('SUPPORT_PROD', 'SUPPORT_HOTFIX')
  })
  keep('plan-refused', await action({ ...release, 'plan-file': 'plan.json' }, outran), 1)
  sim.injectFault({
    tenant: 'prod',
    method: 'POST',
    path: '/actions/import-async',
    times: 1,
    actionOutcome: {
      state: 'FAILED',
      message: 'Task "Storage sales": table SALES.ORDERS is locked by another session.'
    }
  })
  keep('failed-import', await action({ ...sales, backup: 'true' }), 1)
  const projects = [
    'projects:',
    '  - name: Sales pipeline',
    '    bindingsFile: prod.yaml',
    '  - name: Orders replication',
    '    bindingsFile: replication-prod.yaml',
    ''
  ].join('\n')
  keep(
    'set',
    await action(
      { 'projects-file': 'projects.yaml' },
      {
        'projects.yaml': projects,
        'prod.yaml': PROD_BINDINGS,
        'replication-prod.yaml': readFileSync(
          join(ROOT, 'examples/bindings/replication-prod.yaml'),
          'utf8'
        )
      }
    ),
    0
  )
} finally {
  await sim.close()
}

const wrong = shots.filter((s) => s.code !== s.expect)
for (const s of wrong)
  process.stderr.write(`gallery: ${s.kind} exited ${s.code}, expected ${s.expect}\n`)
process.stdout.write(`Wrote ${shots.length} summaries to docs/gallery/*.md\n`)

if (!markdownOnly) render()
process.exitCode = wrong.length ? 1 : 0

/** Each Markdown file through cmark-gfm, GitHub's stylesheet and headless Chromium, 1000 px wide. */
function render(): void {
  const chromium = ['chromium', 'chromium-browser', 'google-chrome'].find(
    (c) => spawnSync('which', [c]).status === 0
  )
  if (!chromium || spawnSync('which', ['cmark-gfm']).status !== 0) {
    process.stderr.write(
      'gallery: no chromium or cmark-gfm here, screenshots not made (apt-get install chromium cmark-gfm fonts-noto-color-emoji)\n'
    )
    return
  }
  const css = createRequire(import.meta.url).resolve(
    'github-markdown-css/github-markdown-light.css'
  )
  const work = mkdtempSync(join(tmpdir(), 'qdp-gallery-html-'))
  const browser = (args: string[]) =>
    spawnSync(
      chromium,
      ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', ...args],
      {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024
      }
    )
  for (const { kind } of shots) {
    const body = spawnSync(
      'cmark-gfm',
      ['--unsafe', '-e', 'table', '-e', 'strikethrough', '-e', 'autolink', '-e', 'tagfilter'],
      { input: readFileSync(join(OUT, `${kind}.md`), 'utf8'), encoding: 'utf8' }
    ).stdout
    const html = join(work, `${kind}.html`)
    writeFileSync(
      html,
      `<!doctype html><html><head><meta charset="utf-8"><link rel="stylesheet" href="file://${css}">` +
        '<style>body{margin:0;background:#fff}.markdown-body{box-sizing:border-box;width:1000px;padding:24px 32px}</style>' +
        `</head><body><article class="markdown-body">${body}</article>` +
        '<script>document.body.dataset.h=String(document.documentElement.scrollHeight)</script></body></html>'
    )
    const h = Number(
      /data-h="(\d+)"/.exec(browser(['--dump-dom', `file://${html}`]).stdout)?.[1] ?? 1200
    )
    const png = join(OUT, `${kind}.png`)
    browser([`--screenshot=${png}`, `--window-size=1000,${Math.min(h, 4000)}`, `file://${html}`])
    process.stdout.write(
      `${existsSync(png) ? 'Rendered' : 'Could not render'} docs/gallery/${kind}.png (${h} px)\n`
    )
  }
  rmSync(work, { recursive: true, force: true })
}
