/**
 * A cancelled job, as the runner cancels it (SIGINT; SIGTERM 7.5 s later; SIGKILL 2.5 s after):
 * the bundles stop at a safe point, put back what they can and write the account before SIGTERM.
 * (Issue 24, first part: the journal and post step for hard kills, re-runs after an interrupted
 * one and sets are not here yet.)
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Simulator } from '../../src/simulator/server.js'
import { runAction } from '../helpers/action.js'
import { E2E_NODE, ROOT } from '../helpers/bundle.js'
import { cliPromoteArgs, PROD_BINDINGS_YAML, promoteInputs } from '../helpers/pipeline.js'
import { startDemo } from '../helpers/sim.js'

let sim: Simulator
afterEach(async () => {
  await sim?.close()
})

/** The runner's sequence from the moment `when` holds: SIGINT, then SIGTERM at 7.5 s, SIGKILL at 10 s. */
function cancelWhen(when: (out: string) => boolean): {
  watch: (out: string, child: ChildProcess) => void
  sentAt: () => number | undefined
} {
  let sent: number | undefined
  return {
    watch: (out, child) => {
      if (sent !== undefined || !when(out)) return
      sent = Date.now()
      child.kill('SIGINT')
      const term = setTimeout(() => child.kill('SIGTERM'), 7500)
      const kill = setTimeout(() => child.kill('SIGKILL'), 10_000)
      child.on('close', () => {
        clearTimeout(term)
        clearTimeout(kill)
      })
    },
    sentAt: () => sent
  }
}

it('cancelled while the bindings PUT is in flight: it finishes, no import is sent, the bindings are put back, the account is written before SIGTERM', async () => {
  sim = await startDemo()
  const inputs = promoteInputs(sim) as Record<string, string>
  expect((await runAction(inputs)).code).toBe(0)
  const prod = () => sim.state('prod').projects.find((p) => p.name === 'Sales pipeline')!
  const before = { ...prod().bindings }
  const imports = prod().importCount
  sim.injectFault({ tenant: 'prod', method: 'PUT', path: '/bindings', latencyMs: 1500, times: 1 })
  const c = cancelWhen((out) => out.includes('::group::Set the target bindings'))
  const r = await runAction(
    { ...inputs, bindings: PROD_BINDINGS_YAML.replace('ANALYTICS', 'ANALYTICS_V2') },
    {},
    c.watch
  )
  const took = Date.now() - (c.sentAt() as number)
  expect(took).toBeLessThan(7500)
  expect(r.code).toBe(1)
  expect(prod().bindings).toEqual(before)
  expect(prod().importCount).toBe(imports)
  expect(r.summary).toContain('Qlik DI project: Cancelled (SIGINT) during Set the target bindings')
  expect(r.summary).toContain('bindings put back as they were before this run')
  expect(r.stdout).toContain('SIGINT received: the run stops at a safe point')
  const report = JSON.parse(readFileSync(r.outputs['report-path']!, 'utf8'))
  expect(report.outcome).toBe('cancelled')
  expect(report.cancelled).toEqual({ signal: 'SIGINT', during: 'Set the target bindings' })
  expect(
    report.ledger.entries.map((e: { kind: string; state: string }) => `${e.kind}:${e.state}`)
  ).toEqual([
    'set-bindings:done',
    'import:not-sent',
    'prepare:not-sent',
    'validate:not-sent',
    'restore-bindings:done'
  ])
}, 60000)

it('the CLI on Ctrl-C while the import runs: exit 130, the import named as continuing on Qlik with its action id', async () => {
  sim = await startDemo({
    timing: { actionPendingMs: 200, actionTaskMs: 3000, taskRunMs: 150, taskStartingMs: 20 }
  })
  const dev = sim.tenantInfo('dev')
  const prod = sim.tenantInfo('prod')
  const cwd = mkdtempSync(join(tmpdir(), 'qdp-cancel-'))
  const child = spawn(
    E2E_NODE,
    [
      join(ROOT, 'dist/cli/index.js'),
      ...cliPromoteArgs(sim),
      '--report-path',
      join(cwd, 'report.json')
    ],
    {
      cwd,
      env: {
        PATH: process.env.PATH ?? '',
        QLIK_SOURCE_API_KEY: dev.apiKey,
        QLIK_TARGET_API_KEY: prod.apiKey,
        QLIK_ARTIFACT_DIR: join(cwd, '.out')
      },
      stdio: ['ignore', 'pipe', 'pipe']
    }
  )
  let out = ''
  const c = cancelWhen((o) => /Import started: action/.test(o))
  const onData = (d: Buffer): void => {
    out += d.toString()
    c.watch(out, child)
  }
  child.stdout.on('data', onData)
  child.stderr.on('data', onData)
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  expect(Date.now() - (c.sentAt() as number)).toBeLessThan(7500)
  expect(code).toBe(130)
  expect(out).toContain('CANCELLED')
  const report = JSON.parse(readFileSync(join(cwd, 'report.json'), 'utf8'))
  expect(report.outcome).toBe('cancelled')
  const imp = report.ledger.entries.find((e: { kind: string }) => e.kind === 'import')
  expect(imp).toMatchObject({ state: 'done', result: 'unknown' })
  expect(out).toContain(`continues on Qlik's side`)
  expect(out).toContain(`wait for import action ${imp.actionId} to end`)
  expect(
    report.ledger.entries
      .filter((e: { kind: string }) => e.kind === 'prepare' || e.kind === 'validate')
      .map((e: { state: string }) => e.state)
  ).toEqual(['not-sent', 'not-sent'])
}, 60000)
