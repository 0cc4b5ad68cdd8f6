/**
 * Untrusted content through both bundles, as the runner and a terminal see it: names from the
 * tenant and file names from a pull request that carry workflow commands, markup and escape
 * sequences; hostile ZIPs; paths that climb out; values from the environment.
 */
import { cpSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Simulator } from '../../src/simulator/server.js'
import { runAction } from '../helpers/action.js'
import { ROOT, runCliBundle } from '../helpers/bundle.js'
import { hostileZips } from '../helpers/hostile.js'
import { cliPromoteArgs, PROD_BINDINGS_YAML, promoteInputs } from '../helpers/pipeline.js'
import { startDemo, withTenant } from '../helpers/sim.js'

const INJECT = '\n::warning title=X::pwned\n::add-mask::Sales\n##[error]v1 pwned\n'
const MARKUP = '<img src=x onerror=alert(1)></details>'
const ESC = '\u001b[2J\u001b]0;title\u0007'
const HOSTILE_PROJECT = `Sales ${MARKUP}${ESC}${INJECT}`

let sim: Simulator
afterEach(async () => {
  await sim?.close()
})

/** The workflow commands the runner would execute from this stdout, and not ours. */
function injected(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((l) => /^\s*::(warning title=X|add-mask::Sales)|##\[error\]v1 pwned/.test(l))
}

async function hostileTenant(): Promise<Simulator> {
  return startDemo(
    withTenant('dev', (t) => ({
      projects: (t.projects as Array<Record<string, unknown>>).map((p) =>
        p.name === 'Sales pipeline'
          ? {
              ...p,
              name: HOSTILE_PROJECT,
              description: `desc ${MARKUP}${INJECT}`,
              tasks: (p.tasks as Array<Record<string, unknown>>).map((task) => ({
                ...task,
                name: `${task.name as string} ${MARKUP}${ESC}${INJECT}`
              }))
            }
          : p
      )
    }))
  )
}

it('names from the tenant with commands and markup: no workflow command, inert summary, and the terminal gets no escape sequence', async () => {
  sim = await hostileTenant()
  // an input is one line: the project is given by id, its name comes from the tenant
  const id = sim.state('dev').projects.find((p) => p.name === HOSTILE_PROJECT)!.id
  const inputs = promoteInputs(sim, { 'source-project': id })
  const r = await runAction(inputs)
  expect(r.code).toBe(0)
  expect(injected(r.stdout)).toEqual([])
  expect(r.stdout).toContain(
    'Source project: Sales <img src=x onerror=alert(1)></details>\\e[2J\\e]0;title\\x07\\n::warning title=X::pwned\\n'
  )
  expect(r.summary).toContain('&lt;img src=x onerror=alert(1)&gt;&lt;/details&gt;')
  expect(r.summary).not.toContain('<img')
  expect(r.stdout).not.toContain('\u001b')

  // the command line: a second promotion (the target exists now), on a terminal's stream
  const dev = sim.tenantInfo('dev')
  const prod = sim.tenantInfo('prod')
  const cwd = mkdtempSync(join(tmpdir(), 'qdp-cli-'))
  const cli = await runCliBundle(
    [...cliPromoteArgs(sim, { project: id }), '--dry-run', '--verbose'],
    cwd,
    {
      QLIK_SOURCE_API_KEY: dev.apiKey,
      QLIK_TARGET_API_KEY: prod.apiKey,
      QLIK_ARTIFACT_DIR: join(cwd, '.out')
    }
  )
  expect(cli.code).toBe(0)
  expect(cli.out).not.toContain('\u001b')
  expect(cli.out).not.toContain('\u0007')
  expect(cli.out).toContain('\\e[2J')
  // the target the action created is found again (Qlik keeps the name without the trailing break)
  expect(cli.out).not.toContain('Create project')
  expect(injected(cli.out)).toEqual([])
}, 120000)

it('a file name from a pull request that carries a command is shown escaped, never run', async () => {
  sim = await startDemo()
  const ws = mkdtempSync(join(tmpdir(), 'qdp-ws-'))
  cpSync(join(ROOT, 'examples', 'project'), join(ws, 'project'), { recursive: true })
  writeFileSync(join(ws, 'project', `README${INJECT}`), 'x')
  writeFileSync(join(ws, 'project', 'notes <img src=x onerror=alert(1)>.md'), 'x')
  const r = await runAction(
    { mode: 'validate', 'package-dir': join(ws, 'project') },
    { GITHUB_WORKSPACE: ws }
  )
  expect(r.code).toBe(0)
  expect(injected(r.stdout)).toEqual([])
  expect(r.stdout).toContain('README\\n::warning title=X::pwned\\n')
  expect(r.summary).not.toContain('<img')
  expect(sim.requests()).toEqual([])
}, 60000)

describe('hostile ZIPs are refused before any request', () => {
  const cases = hostileZips()
  it.each(cases.map((c) => [c.name, c] as const))(
    '%s',
    async (_, c) => {
      sim = await startDemo()
      const dir = mkdtempSync(join(tmpdir(), 'qdp-zip-'))
      const zip = join(dir, 'package.zip')
      writeFileSync(zip, c.zip)
      // validate (CLI): exit 1 naming the entry
      const v = await runCliBundle(['validate', '--zip-path', zip], dir)
      expect(v.code).toBe(1)
      expect(v.out).toMatch(c.says)
      // deploy (action): fails before any write, nothing uploaded
      const prod = sim.tenantInfo('prod')
      const d = await runAction({
        mode: 'deploy',
        'zip-path': zip,
        'target-tenant': prod.url,
        'target-api-key': prod.apiKey,
        'target-space': 'PROD_PIPELINES',
        'target-project': 'Sales pipeline',
        bindings: PROD_BINDINGS_YAML
      })
      expect(d.code).toBe(1)
      expect(d.stdout).toMatch(c.says)
      expect(sim.requests({ tenant: 'prod' }).filter((x) => x.method !== 'GET')).toEqual([])
      expect(injected(d.stdout)).toEqual([])
    },
    60000
  )
})

it('paths that climb out: artifact-name, report-path; a link-local tenant', async () => {
  sim = await startDemo()
  const cwd = mkdtempSync(join(tmpdir(), 'qdp-cli-'))
  const prod = sim.tenantInfo('prod')
  const base = ['deploy', '--target-tenant', prod.url, '--target-space', 'PROD_PIPELINES']
  const env = { QLIK_TARGET_API_KEY: prod.apiKey, QLIK_ARTIFACT_DIR: join(cwd, 'a', 'b') }
  const a = await runCliBundle([...base, '--artifact-name', '../../x'], cwd, env)
  expect(a.code).toBe(2)
  expect(a.out).toContain(
    '--artifact-name (QLIK_ARTIFACT_NAME) is not a plain name: it holds a path separator'
  )
  expect(existsSync(join(cwd, 'x'))).toBe(false)
  const rp = await runCliBundle(
    [...base, '--artifact-name', 'x', '--report-path', '/proc/self/status'],
    cwd,
    env
  )
  expect(rp.code).toBe(2)
  expect(rp.out).toContain('--report-path (/proc/self/status) is under /proc, /sys or /dev')
  const ll = await runCliBundle(
    [
      'deploy',
      '--target-tenant',
      'https://2852039166',
      '--target-space',
      'X',
      '--artifact-name',
      'x'
    ],
    cwd,
    env
  )
  expect(ll.code).toBe(2)
  expect(ll.out).toContain('points at 169.254.169.254, a link-local address')
  expect(sim.requests()).toEqual([])
}, 60000)

it('a value from the environment appears as its placeholder in the CLI output and the report', async () => {
  sim = await startDemo()
  const dev = sim.tenantInfo('dev')
  const prod = sim.tenantInfo('prod')
  const cwd = mkdtempSync(join(tmpdir(), 'qdp-cli-'))
  const bindings = PROD_BINDINGS_YAML.replace(
    'PROD_DATA.snowflake_prod',
    'PROD_DATA.${SNOWFLAKE_CONNECTION}'
  )
  const r = await runCliBundle(
    [
      ...cliPromoteArgs(sim, { bindings }),
      '--dry-run',
      '--verbose',
      '--report-path',
      join(cwd, 'report.json')
    ],
    cwd,
    {
      QLIK_SOURCE_API_KEY: dev.apiKey,
      QLIK_TARGET_API_KEY: prod.apiKey,
      QLIK_ARTIFACT_DIR: join(cwd, '.out'),
      SNOWFLAKE_CONNECTION: 'snowflake_prod'
    }
  )
  expect(r.code).toBe(0)
  expect(r.out).not.toContain('snowflake_prod')
  const { readFileSync } = await import('node:fs')
  const report = readFileSync(join(cwd, 'report.json'), 'utf8')
  expect(report).not.toContain('snowflake_prod')
  expect(report).toContain('${SNOWFLAKE_CONNECTION}')
}, 60000)

it('export-dir through the bundle: a package naming .git/config writes nothing; a symbolic link in export-dir is refused, not followed', async () => {
  sim = await startDemo()
  const dev = sim.tenantInfo('dev')
  const ws = mkdtempSync(join(tmpdir(), 'qdp-ws-'))
  const exportTo = (dir: string) =>
    runAction({
      mode: 'export',
      'source-tenant': dev.url,
      'source-api-key': dev.apiKey,
      'source-project': 'Sales pipeline',
      'export-dir': dir
    })
  // a dev-tenant project whose export holds paths outside the layout
  const { readProjectFolder } = await import('../../src/package/folder.js')
  const first = join(ws, 'first')
  expect((await exportTo(first)).code).toBe(0)
  const project = sim.state('dev').projects.find((p) => p.name === 'Sales pipeline')!
  project.definitionFiles = {
    ...readProjectFolder(first).files,
    '.git/config': Buffer.from('[core]\n\tfsmonitor = touch /tmp/pwned\n'),
    '.github/workflows/x.yml': Buffer.from('on: push\n')
  }
  const out = join(ws, 'second')
  const r = await exportTo(out)
  expect(r.code).toBe(1)
  expect(r.stdout).toContain("outside the project layout that Qlik's exporter writes")
  expect(r.stdout).toContain("'.git/config'")
  expect(existsSync(out)).toBe(false)

  // export-dir holding a link to a folder outside: refused, the folder outside untouched
  delete project.definitionFiles
  const { mkdirSync, readdirSync, symlinkSync } = await import('node:fs')
  const outside = join(ws, 'outside')
  mkdirSync(outside)
  const linked = join(ws, 'linked')
  mkdirSync(linked)
  symlinkSync(outside, join(linked, 'qtcp_tasks'))
  const l = await exportTo(linked)
  expect(l.code).toBe(1)
  expect(l.stdout).toContain('is a symbolic link; export-dir writes only through real folders')
  expect(readdirSync(outside)).toEqual([])
}, 60000)
