/**
 * `npm run local-action [-- ENV_FILE]`: run the action's sources (src/main.ts) with
 * @github/local-action, which stubs the actions toolkit (inputs, outputs, summary, artifacts).
 *
 * What this adds around `local-action run . src/main.ts ENV_FILE`:
 * - the env file defaults to .env, else .env.example, so a fresh clone runs as it is;
 * - QLIK_SIMULATOR_PORT in the env file starts the bundled simulator (demo configuration) on that
 *   port and the next for the run, and stops it afterwards;
 * - the folders the env file names (workspace, artifacts, RUNNER_TEMP, summary) are created, the
 *   summary and the report start empty, as on a runner;
 * - only the env file decides: INPUT_*, GITHUB_*, ACTIONS_* and RUNNER_* variables of the calling
 *   shell (say, a CI job) are not passed on;
 * - the exit code tells the outcome: local-action itself exits 0 even when the action failed, so
 *   the action's JSON report (INPUT_REPORT-PATH, or the action's default path) is read: 0 when it
 *   says succeeded, 1 when it says failed or was not written, 2 for a bad env file.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseEnv } from 'node:util'
import { parse } from 'yaml'
import type { SimulatorConfigInput } from '../src/simulator/config.js'
import { Simulator } from '../src/simulator/server.js'

const say = (line: string): void => {
  process.stderr.write(`local-action: ${line}\n`)
}

class EnvFileError extends Error {}

/** The env file named on the command line, else .env, else .env.example. */
function envFileOf(argv: string[]): string {
  const [given, ...rest] = argv
  if (rest.length > 0) throw new EnvFileError(`expected at most one env file, got ${argv.length}`)
  const file = given ?? (existsSync('.env') ? '.env' : '.env.example')
  if (!existsSync(file)) throw new EnvFileError(`env file ${file} not found`)
  return file
}

function simulatorPort(env: NodeJS.Dict<string>): number | undefined {
  const text = env.QLIK_SIMULATOR_PORT?.trim()
  if (!text) return undefined
  const port = Number(text)
  if (!Number.isInteger(port) || port < 1 || port > 65534)
    throw new EnvFileError(`QLIK_SIMULATOR_PORT must be a port from 1 to 65534 (got "${text}")`)
  return port
}

async function startSimulator(port: number): Promise<Simulator> {
  const config = parse(
    readFileSync(new URL('../src/simulator/demo.yaml', import.meta.url), 'utf8')
  ) as SimulatorConfigInput
  // seconds instead of minutes, every state transition still visible (as in `npm run demo`)
  config.timing = { actionPendingMs: 300, actionTaskMs: 400, taskRunMs: 2000, taskStartingMs: 200 }
  const sim = await Simulator.start(config, { port })
  for (const t of sim.tenants()) say(`simulator tenant ${t.name} at ${t.url} (${t.host})`)
  return sim
}

/** The environment of the child: the caller's, without what a runner or a shell of inputs sets. */
function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env }
  for (const k of Object.keys(env))
    if (/^(INPUT_|GITHUB_|ACTIONS_|RUNNER_)/i.test(k) || k === 'QLIK_SIMULATOR_PORT') delete env[k]
  return env
}

/** Folders the env file names exist; the summary and report of an earlier run are gone. */
function prepareFiles(env: NodeJS.Dict<string>, reportPath: string): void {
  for (const k of ['LOCAL_ACTION_WORKSPACE', 'LOCAL_ACTION_ARTIFACT_PATH', 'RUNNER_TEMP']) {
    const dir = env[k]
    if (dir) mkdirSync(resolve(dir), { recursive: true })
  }
  if (env.GITHUB_STEP_SUMMARY) {
    mkdirSync(dirname(resolve(env.GITHUB_STEP_SUMMARY)), { recursive: true })
    writeFileSync(env.GITHUB_STEP_SUMMARY, '')
  }
  rmSync(reportPath, { force: true })
}

function runLocalAction(envFile: string): Promise<number> {
  // its package.json is not exported, so it is read from node_modules (npm installs it there)
  const pkgDir = join('node_modules', '@github', 'local-action')
  if (!existsSync(join(pkgDir, 'package.json')))
    throw new Error('@github/local-action is not installed: run npm ci first')
  const { bin } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as {
    bin: Record<string, string>
  }
  const script = bin['local-action']
  if (!script) throw new Error('@github/local-action has no local-action command')
  const child = spawn(
    process.execPath,
    [join(pkgDir, script), 'run', '.', 'src/main.ts', envFile],
    { stdio: 'inherit', env: childEnv() }
  )
  const forward = (sig: NodeJS.Signals) => () => child.kill(sig)
  process.once('SIGINT', forward('SIGINT'))
  process.once('SIGTERM', forward('SIGTERM'))
  return new Promise((done, fail) => {
    child.once('error', fail)
    child.once('exit', (code, signal) => done(code ?? (signal ? 1 : 0)))
  })
}

/** 0 when the action's report says it succeeded, else 1, with one line saying why. */
function outcome(reportPath: string): number {
  if (!existsSync(reportPath)) {
    say(
      `the action wrote no report (${reportPath}): it stopped before the promotion started; ` +
        'the error is printed above'
    )
    return 1
  }
  const report = JSON.parse(readFileSync(reportPath, 'utf8')) as {
    outcome?: string
    error?: string
    dryRun?: boolean
    failedStep?: string
  }
  if (report.outcome === 'succeeded') {
    say(`${report.dryRun ? 'dry run' : 'the action'} succeeded (report: ${reportPath})`)
    return 0
  }
  say(
    `the action failed${report.failedStep ? ` at "${report.failedStep}"` : ''}: ` +
      `${report.error ?? 'no error recorded'} (report: ${reportPath})`
  )
  return 1
}

async function main(argv: string[]): Promise<number> {
  let envFile: string
  let env: NodeJS.Dict<string>
  let port: number | undefined
  try {
    envFile = envFileOf(argv)
    env = parseEnv(readFileSync(envFile, 'utf8'))
    port = simulatorPort(env)
  } catch (e) {
    if (!(e instanceof EnvFileError)) throw e
    say(
      `${e.message}\nUsage: npm run local-action [-- ENV_FILE]   (default: .env, else .env.example)`
    )
    return 2
  }
  say(`env file ${envFile}`)
  const reportPath = resolve(
    env['INPUT_REPORT-PATH'] || join(env.RUNNER_TEMP || tmpdir(), 'qlik-di-promote-report.json')
  )
  prepareFiles(env, reportPath)
  let sim: Simulator | undefined
  if (port !== undefined) {
    try {
      sim = await startSimulator(port)
    } catch (e) {
      say(
        `${(e as Error).message}. Is a simulator already running? Stop it, or change ` +
          `QLIK_SIMULATOR_PORT and the tenant URLs in ${envFile}.`
      )
      return 1
    }
  }
  try {
    const code = await runLocalAction(envFile)
    if (code !== 0) {
      say(`local-action exited with code ${code}`)
      return code
    }
    return outcome(reportPath)
  } finally {
    await sim?.close()
  }
}

// paths in the env file, and the action's own relative paths, are relative to the repository root
process.chdir(fileURLToPath(new URL('..', import.meta.url)))
process.exitCode = await main(process.argv.slice(2))
