/**
 * `npm run local-action`: the action's sources run by @github/local-action with .env.example, the
 * simulator started by scripts/local-action.ts, artifacts in a folder, the exit code taken from the
 * action's report (local-action itself exits 0 on failure).
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseEnv } from 'node:util'
import { parse } from 'yaml'
import { OPTION_SPECS } from '../../src/options.js'
import { ROOT } from '../helpers/bundle.js'

const EXAMPLE = readFileSync(join(ROOT, '.env.example'), 'utf8')

function listenable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer()
    s.once('error', () => resolve(false))
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)))
  })
}

/** Two free consecutive ports (dev, prod) so the test never meets a developer's simulator. */
async function freePortPair(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = 20000 + Math.floor(Math.random() * 40000)
    if ((await listenable(port)) && (await listenable(port + 1))) return port
  }
  throw new Error('no two free consecutive ports')
}

/** .env.example with its ports and local folders moved into a temporary directory. */
async function envFile(edit: (text: string) => string = (t) => t): Promise<{
  file: string
  dir: string
}> {
  const dir = mkdtempSync(join(tmpdir(), 'qlik-local-action-'))
  const port = await freePortPair()
  const text = edit(
    EXAMPLE.replaceAll('127.0.0.1:8800', `127.0.0.1:${port}`)
      .replaceAll('127.0.0.1:8801', `127.0.0.1:${port + 1}`)
      .replace('QLIK_SIMULATOR_PORT=8800', `QLIK_SIMULATOR_PORT=${port}`)
      .replaceAll('.local-action/', `${dir}/`)
  )
  const file = join(dir, 'test.env')
  writeFileSync(file, text)
  return { file, dir }
}

function runLocalAction(file: string, env: Record<string, string> = {}) {
  const r = spawnSync('npm', ['run', '--silent', 'local-action', '--', file], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 120_000
  })
  return { code: r.status, out: `${r.stdout}\n${r.stderr}` }
}

describe('.env.example', () => {
  const env = parseEnv(EXAMPLE)
  it('sets only inputs that action.yml declares, and the ones a promotion needs', () => {
    const declared = new Set(OPTION_SPECS.map((s) => s.name))
    const inputs = Object.keys(env)
      .filter((k) => k.startsWith('INPUT_'))
      .map((k) => k.slice('INPUT_'.length).toLowerCase())
    expect(inputs.filter((i) => !declared.has(i))).toEqual([])
    expect(inputs).toEqual(
      expect.arrayContaining(['source-tenant', 'source-project', 'target-tenant', 'report-path'])
    )
  })
  it('carries only the simulator demo credentials', () => {
    const demo = readFileSync(join(ROOT, 'src/simulator/demo.yaml'), 'utf8')
    const config = parse(demo) as {
      tenants: Array<{
        apiKeys: Array<{ key: string }>
        oauthClients: Array<{ clientId: string; clientSecret: string }>
      }>
    }
    const known = new Set(
      config.tenants.flatMap((t) => [
        ...t.apiKeys.map((k) => k.key),
        ...t.oauthClients.flatMap((c) => [c.clientId, c.clientSecret])
      ])
    )
    const credentials = Object.entries(env).filter(([k]) => /API-KEY|CLIENT-|PRIVATE-KEY/.test(k))
    expect(credentials.length).toBeGreaterThan(0)
    for (const [k, v] of credentials)
      expect({ k, known: known.has(v ?? '') }).toEqual({ k, known: true })
  })
  it('is kept out of git when copied to .env, as is what a run leaves behind', () => {
    const ignored = readFileSync(join(ROOT, '.gitignore'), 'utf8').split('\n')
    expect(ignored).toEqual(expect.arrayContaining(['.env', '.local-action/']))
  })
})

describe('npm run local-action', () => {
  it('promotes on the simulator, keeps the artifact in a folder and exits 0', async () => {
    const { file, dir } = await envFile()
    // the calling shell's inputs (say, a CI job's) must not leak into the run
    const { code, out } = runLocalAction(file, { INPUT_MODE: 'export' })
    expect({ code, tail: out.slice(-600) }).toEqual({ code: 0, tail: expect.any(String) })
    expect(out).toContain('local-action: the action succeeded')
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'))
    expect(report).toMatchObject({ outcome: 'succeeded', dryRun: false, mode: 'promote' })
    expect(report.target).toMatchObject({ created: true, spaceName: 'PROD_PIPELINES' })
    expect(report.runs.length).toBeGreaterThan(0)
    // the package, and the run's report kept beside it (upload-report)
    expect(readdirSync(join(dir, 'artifacts'))).toEqual([
      'qlik-di-report-job-sales-pipeline-1.zip',
      'qlik-di-sales-pipeline-v1.0.0.zip'
    ])
    expect(readFileSync(join(dir, 'summary.md'), 'utf8')).toMatch(/^## ✅ Promoted · /)
    expect(out).toMatch(/target-project-id.*'[0-9a-f]{24}'/)
    for (const secret of ['sim-dev-api-key-0001', 'sim-prod-client-secret-0001'])
      expect(out).not.toContain(secret)
  }, 150_000)

  it('exits 1 with the failed step and the error when the action fails', async () => {
    const { file } = await envFile((t) => t.replace('=PROD_PIPELINES', '=PROD_PIPELINEZ'))
    const { code, out } = runLocalAction(file)
    expect(code).toBe(1)
    expect(out).toContain(
      `local-action: the action failed at "Find the target space": Input 'target-space'`
    )
  }, 150_000)

  it('exits 1 when the action stops before writing a report (bad input)', async () => {
    const { file, dir } = await envFile((t) =>
      t.replace('INPUT_DRY-RUN=false', 'INPUT_DRY-RUN=maybe')
    )
    const { code, out } = runLocalAction(file)
    expect(code).toBe(1)
    expect(out).toMatch(/::error::Invalid input: .*dry-run/)
    expect(out).toContain('local-action: the action wrote no report')
    expect(existsSync(join(dir, 'report.json'))).toBe(false)
  }, 150_000)

  it('refuses a bad env file with exit 2 before starting anything', async () => {
    const { file } = await envFile((t) =>
      t.replace(/QLIK_SIMULATOR_PORT=\d+/, 'QLIK_SIMULATOR_PORT=abc')
    )
    const { code, out } = runLocalAction(file)
    expect(code).toBe(2)
    expect(out).toContain('QLIK_SIMULATOR_PORT must be a port from 1 to 65534 (got "abc")')
    expect(runLocalAction(join(tmpdir(), 'no-such.env')).out).toContain('not found')
  })
})
