/**
 * `npm run bench`: performance against the simulator, not part of the tests. Sections:
 * - polling: the default polling against fixed polling every 2 s and every 10 s, side by side, on
 *   actions of 6 s, 30 s and minutes, one task or many, tasks one by one or side by side; real
 *   HTTP against the simulator on a virtual clock (scripts/bench-polling.ts), with the issue's
 *   targets per row;
 * - model: the same on thousands of modelled actions (scripts/poll-model.ts);
 * - promotion: whole promotions in real time (overhead beyond the server's own action times);
 * - startup, memory: bundle start-up, peak RSS of the CLI promoting a ~10 MB package.
 * - validate: the CLI's validate on folders of 250, 1,000 and 2,000 tasks and a 10 MB package
 *   (scripts/bench-validate.ts): time linear in files, peak RSS <= 250 MB.
 * - set: a projects file as a graph (scripts/bench-set.ts): independent projects side by side within
 *   1.3x the longest one, peak RSS within 1.5x of one project's, a chain as fast as before.
 * - states: the check before the first write on an existing 1,000-task target with Qlik's limits
 *   (scripts/bench-states.ts): seconds, no 429.
 * - hostile: every hostile archive and alias bomb of docs/security.md given to the CLI's validate
 *   (scripts/bench-hostile.ts): each refused in well under a second, peak RSS within a normal
 *   validate's; bindings files of 20,000 and 100,000 names read in linear time.
 * - plan: the fingerprint of a 1,000-task project's plan, made (dry run) and checked (plan-file)
 *   (scripts/bench-plan.ts): under a second for both.
 * Flags: --quick (shorter promotion actions),
 *   --only=polling|model|promotion|validate|set|states|hostile|plan|startup|memory.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'
import { LocalArtifactStore } from '../src/artifacts/local.js'
import { OPTION_SPECS, parseOptions } from '../src/options.js'
import { realClock, type Reporter } from '../src/pipeline/ports.js'
import type { RunReport } from '../src/model/report.js'
import { createPipeline } from '../src/setup.js'
import { DEFAULT_WAIT } from '../src/pipeline/wait.js'
import type { SimulatorConfigInput } from '../src/simulator/config.js'
import { Simulator } from '../src/simulator/server.js'
import { measure, STRATEGIES } from './bench-polling.js'
import { generateFolder, validateRun } from './bench-validate.js'
import { setBench, type SetRun } from './bench-set.js'
import { statesBench } from './bench-states.js'
import { bindingsBench, hostileBench } from './bench-hostile.js'
import { runCli } from './bench-cli.js'
import { planBench } from './bench-plan.js'
import { defaultPolling, fixedPolling, idle, MODEL_PROFILES, simulate } from './poll-model.js'

const ROOT = new URL('../', import.meta.url).pathname
const quick = process.argv.includes('--quick')
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length)
const section = (name: string): boolean => !only || only === name
// Server time per action: pending + 4 tasks whose durations vary by +-50% (actionTaskSpread), so
// the estimate is not fitted to equal task times. Two profiles: short actions (about 6 s, like a
// small project) and long ones (--quick: about 15 s; otherwise about a minute).
const SPREAD = 0.5
// Short actions are close calls (about 3 checks each), so they are measured on several promotions
// (each with other task durations, the same for every strategy); long ones on one.
const PROFILES = [
  { name: 'short', pendingMs: 600, taskMs: 1350, runs: 4 },
  quick
    ? { name: 'long', pendingMs: 1000, taskMs: 3500, runs: 1 }
    : { name: 'long', pendingMs: 5000, taskMs: 14_000, runs: 1 }
]
let PENDING_MS = PROFILES[1]!.pendingMs
let TASK_MS = PROFILES[1]!.taskMs
const ACTION_MS = (): number => PENDING_MS + 4 * TASK_MS
// the first check of the default polling: the poll-interval input's default
const DEFAULT_FIRST_CHECK_MS =
  1000 * Number(OPTION_SPECS.find((o) => o.name === 'poll-interval')?.default ?? NaN)

const silent: Reporter = {
  info: () => {},
  warning: () => {},
  error: () => {},
  debug: () => {},
  group: (_n, fn) => fn()
}

function demo(seed: string): SimulatorConfigInput {
  const cfg = parse(
    readFileSync(join(ROOT, 'src/simulator/demo.yaml'), 'utf8')
  ) as SimulatorConfigInput
  cfg.timing = {
    actionPendingMs: PENDING_MS,
    actionTaskMs: TASK_MS,
    actionTaskSpread: SPREAD,
    // every strategy waits on the same task durations (the n-th action of each run is alike)
    actionTaskSeed: seed,
    // the bench reads each action's true end from its status (Qlik's are null)
    actionTimes: true,
    taskRunMs: 1000,
    taskStartingMs: 100
  }
  cfg.rateLimits = { enabled: false }
  return cfg
}

const bindings = readFileSync(join(ROOT, 'examples/bindings/prod.yaml'), 'utf8')

async function promoteOnce(
  sim: Simulator,
  polling: { firstDelayMs: number; maxDelayMs: number; factor: number; estimate?: boolean },
  targetSpace: string
) {
  const dev = sim.tenantInfo('dev')
  const prod = sim.tenantInfo('prod')
  const dir = mkdtempSync(join(tmpdir(), 'qdp-bench-'))
  const { pipeline, close } = createPipeline({
    options: parseOptions({
      'source-tenant': dev.url,
      'source-api-key': dev.apiKey,
      'source-project': 'Sales pipeline',
      'target-tenant': prod.url,
      'target-api-key': prod.apiKey,
      'target-space': targetSpace,
      bindings
    }),
    reporter: silent,
    clock: realClock,
    env: { PROD_DATABASE: 'ANALYTICS' },
    onSecret: () => {},
    artifacts: new LocalArtifactStore(join(dir, 'a')),
    workDir: join(dir, 'w'),
    polling
  })
  const start = Date.now()
  let report: RunReport
  try {
    report = await pipeline.run()
  } finally {
    await close()
  }
  const wall = Date.now() - start
  if (report.outcome !== 'succeeded') throw new Error(`benchmark promotion failed: ${report.error}`)
  return { report, wall }
}

interface Row {
  strategy: string
  promotions: number
  wallMs: number
  serverMs: number
  /** Per promotion. */
  overheadMs: number
  checksPerAction: number
  meanLateMs: number
  maxLateMs: number
  maxLatePct: number
}

/** The server's own duration of an action: pending, then from the run's start to its end. */
async function serverDuration(sim: Simulator, actionId: string): Promise<number> {
  const prod = sim.tenantInfo('prod')
  const r = await fetch(`${prod.url}/api/v1/di-projects/actions/${actionId}`, {
    headers: { authorization: `Bearer ${prod.apiKey}` }
  })
  const s = (await r.json()) as { startTime: string; endTime: string }
  return PENDING_MS + Date.parse(s.endTime) - Date.parse(s.startTime)
}

async function polling(profile: string, runs: number): Promise<Row[]> {
  const strategies = [
    // the action's default policy, as the pipeline uses it
    {
      strategy: 'default (state, task counts, own clock)',
      polling: { firstDelayMs: DEFAULT_FIRST_CHECK_MS, ...DEFAULT_WAIT }
    },
    {
      strategy: 'fixed every 2 s',
      polling: { firstDelayMs: 2000, maxDelayMs: 2000, factor: 1, estimate: false }
    },
    {
      strategy: 'fixed every 10 s',
      polling: { firstDelayMs: 10_000, maxDelayMs: 10_000, factor: 1, estimate: false }
    }
  ]
  const rows: Row[] = []
  for (const s of strategies) {
    let wall = 0
    let serverMs = 0
    let checks = 0
    const late: number[] = []
    const latePct: number[] = []
    for (let run = 0; run < runs; run++) {
      const sim = await Simulator.start(demo(`bench-${run}`))
      try {
        const r = await promoteOnce(sim, s.polling, 'PROD_PIPELINES')
        const actions = Object.values(r.report.actions)
        const server = await Promise.all(actions.map((a) => serverDuration(sim, a.actionId)))
        wall += r.wall
        serverMs += server.reduce((n, x) => n + x, 0)
        checks += actions.reduce((n, a) => n + a.checks, 0)
        actions.forEach((a, i) => {
          const l = Math.max(0, a.elapsedMs - (server[i] as number))
          late.push(l)
          latePct.push((100 * l) / (server[i] as number))
        })
      } finally {
        await sim.close()
      }
    }
    rows.push({
      strategy: `${profile}: ${s.strategy}`,
      promotions: runs,
      wallMs: wall,
      serverMs,
      overheadMs: (wall - serverMs) / runs,
      checksPerAction: checks / late.length,
      meanLateMs: late.reduce((n, x) => n + x, 0) / late.length,
      maxLateMs: Math.max(...late),
      maxLatePct: Math.max(...latePct)
    })
  }
  return rows
}

function startup(): { action: number; cli: number; simulator: number } {
  const time = (args: string[], env: NodeJS.ProcessEnv = {}): number => {
    const runs: number[] = []
    for (let i = 0; i < 5; i++) {
      const t0 = process.hrtime.bigint()
      spawnSync(process.execPath, args, {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', ...env },
        stdio: 'ignore'
      })
      runs.push(Number(process.hrtime.bigint() - t0) / 1e6)
    }
    runs.sort((a, b) => a - b)
    return runs[2] as number
  }
  return {
    // no inputs: the action reads its inputs, refuses them and exits (start-up plus validation)
    action: time(['dist/index.js'], { GITHUB_OUTPUT: '/dev/null' }),
    cli: time(['dist/cli/index.js', '--help']),
    simulator: time(['dist/simulator/index.js', '--help'])
  }
}

async function memory(): Promise<{ packageBytes: number; maxRssMb: number; ok: boolean }> {
  const cfg = demo('bench')
  cfg.timing = { actionPendingMs: 100, actionTaskMs: 200, taskRunMs: 100, taskStartingMs: 10 }
  const dev = cfg.tenants.find((t) => t.name === 'dev')!
  const sales = dev.projects!.find((p) => p.name === 'Sales pipeline')!
  // four models of ~7.2 MB of text each: a package of about 10 MB once compressed
  for (const t of sales.tasks!) t.modelBytes = 7_200_000
  const sim = await Simulator.start(cfg)
  try {
    const dev = sim.tenantInfo('dev')
    const prod = sim.tenantInfo('prod')
    const dir = mkdtempSync(join(tmpdir(), 'qdp-bench-mem-'))
    const { code, maxRssMb, report } = await runCli(
      ROOT,
      [
        '--source-tenant',
        dev.url,
        '--source-project',
        'Sales pipeline',
        '--target-tenant',
        prod.url,
        '--target-space',
        'PROD_PIPELINES',
        '--bindings',
        join(ROOT, 'examples/bindings/prod.yaml'),
        '--poll-interval',
        '0.1'
      ],
      { dir, dev, prod, env: { PROD_DATABASE: 'ANALYTICS' }, rss: true }
    )
    return { packageBytes: report.package?.bytes ?? 0, maxRssMb, ok: code === 0 }
  } finally {
    await sim.close()
  }
}

/**
 * What the default polling must do on each profile: mean lateness by length (short actions one by
 * one a third of a second; with nothing to learn from, at most one check a second from 5 s on, so
 * about half a second late; 30 s actions 0.75 s; minutes 3 s), never more than 2 checks a second,
 * and fewer checks than fixed 2 s where tasks end one by one.
 */
function pollingTarget(p: (typeof MODEL_PROFILES)[number]): {
  lateMs: number
  perSecond: number
  fewerThan2s: boolean
  text: string
} {
  const length = p.pendingMs + p.taskMs * (p.parallel ? 1.4 : p.tasks)
  const nothingToLearn = idle(p)
  const lateMs = length < 10_000 ? (nothingToLearn ? 600 : 333) : length < 60_000 ? 750 : 3000
  const perSecond = nothingToLearn ? 1 : 2
  const fewerThan2s = !nothingToLearn && length >= 10_000
  return {
    lateMs,
    perSecond,
    fewerThan2s,
    text: `${fmt(lateMs)} late, ${perSecond}/s${fewerThan2s ? ', fewer checks than 2 s' : ''}`
  }
}

const fmt = (ms: number): string => `${(ms / 1000).toFixed(2)} s`
const pass = (ok: boolean): string => (ok ? 'ok' : 'MISSED')

console.log(`Benchmark on node ${process.version}${quick ? ' (--quick)' : ''}\n`)
const rows: Row[] = []
if (section('polling')) {
  const TRIALS = quick ? 20 : 60
  console.log(
    `Polling on the simulator (real HTTP, virtual clock), ${TRIALS} actions per cell, task times +-50%: checks per action / mean lateness / worst lateness; the highest check rate of each strategy`
  )
  console.log(
    '| actions | default | fixed every 1 s | fixed every 2 s | fixed every 10 s | target | met |'
  )
  console.log('| --- | --- | --- | --- | --- | --- | --- |')
  for (const p of MODEL_PROFILES) {
    const [d, f1, f2, f10] = await Promise.all(STRATEGIES.map((st) => measure(p, st, 0.5, TRIALS)))
    const t = pollingTarget(p)
    const cell = (r: {
      checks: number
      meanLateMs: number
      maxLateMs: number
      maxRate: number
      perSecond: number
    }) =>
      `${r.checks.toFixed(1)} / ${fmt(r.meanLateMs)} / ${fmt(r.maxLateMs)} (${r.perSecond.toFixed(2)}/s, at most ${r.maxRate.toFixed(1)}/s)`
    const fewer = !t.fewerThan2s || d!.checks < f2!.checks
    const rate = d!.perSecond <= t.perSecond && d!.maxRate <= 2
    console.log(
      `| ${p.name} | ${cell(d!)} | ${cell(f1!)} | ${cell(f2!)} | ${cell(f10!)} | ${t.text} | ${pass(d!.meanLateMs <= t.lateMs && fewer && rate)} |`
    )
  }
}
if (section('promotion')) {
  console.log(
    `\nWhole promotions in real time: 3 actions each (4 tasks, durations +-${SPREAD * 100}%), short (${PROFILES[0]!.runs} promotions) and long profiles`
  )
  for (const p of PROFILES) {
    PENDING_MS = p.pendingMs
    TASK_MS = p.taskMs
    console.error(`polling: ${p.name} actions, about ${fmt(ACTION_MS())} each`)
    rows.push(...(await polling(p.name, p.runs)))
  }
}
if (rows.length)
  console.log(
    '| polling | promotions | wall | server | overhead per promotion (target <= 1 s + 5%) | checks/action | mean lateness | latest notice (target <= 10% and <= 10 s) |'
  )
if (rows.length) console.log('| --- | --- | --- | --- | --- | --- | --- | --- |')
for (const r of rows) {
  const overheadOk = r.overheadMs <= 1000 + (0.05 * r.serverMs) / r.promotions
  const lateOk = r.maxLatePct <= 10 && r.maxLateMs <= 10_000
  console.log(
    `| ${r.strategy} | ${r.promotions} | ${fmt(r.wallMs)} | ${fmt(r.serverMs)} | ${fmt(r.overheadMs)} ${pass(overheadOk)} | ${r.checksPerAction.toFixed(2)} | ${fmt(r.meanLateMs)} | ${fmt(r.maxLateMs)} (${r.maxLatePct.toFixed(1)}%) ${pass(lateOk)} |`
  )
}
if (section('model')) {
  // the same comparison on many modelled actions: means, not one run's luck
  const TRIALS = 4000
  console.log(
    `\nModel (scripts/poll-model.ts): ${TRIALS} simulated actions per cell; checks per action / mean lateness / worst lateness`
  )
  console.log(
    '| actions | spread | default | fixed every 1 s | fixed every 2 s | fixed every 10 s |'
  )
  console.log('| --- | --- | --- | --- | --- | --- |')
  const cell = (r: {
    checks: number
    meanLateMs: number
    maxLateMs: number
    perSecond: number
  }): string =>
    `${r.checks.toFixed(2)} / ${fmt(r.meanLateMs)} / ${fmt(r.maxLateMs)} (${r.perSecond.toFixed(2)}/s)`
  for (const p of MODEL_PROFILES)
    for (const spread of [0.25, 0.5]) {
      const d = simulate(defaultPolling, p, spread, TRIALS)
      const f1 = simulate(fixedPolling(1000), p, spread, TRIALS)
      const f2 = simulate(fixedPolling(2000), p, spread, TRIALS)
      const f10 = simulate(fixedPolling(10_000), p, spread, TRIALS)
      console.log(
        `| ${p.name} | +-${spread * 100}% | ${cell(d)} | ${cell(f1)} | ${cell(f2)} | ${cell(f10)} |`
      )
    }
}
if (section('validate')) {
  console.log('\nvalidate (CLI bundle, start-up included): wall time and peak RSS')
  console.log('| folder | files | time | peak RSS | exit |')
  console.log('| --- | --- | --- | --- | --- |')
  const runs = []
  for (const n of [250, 1000, 2000]) {
    const { dir, files } = generateFolder(n)
    runs.push(await validateRun(ROOT, `${n} tasks`, dir, files))
  }
  const big = generateFolder(10, 9_000_000)
  runs.push(await validateRun(ROOT, '10 MB package, 9 MB model.yaml', big.dir, big.files))
  for (const r of runs)
    console.log(
      `| ${r.label} | ${r.files} | ${fmt(r.ms)} | ${r.maxRssMb.toFixed(0)} MB | ${r.code} |`
    )
  const ratio = runs[2]!.ms / runs[0]!.ms
  console.log(
    `2,000 tasks take ${ratio.toFixed(2)}x the time of 250 (target <= 4x) ${pass(ratio <= 4)}; the 10 MB package peaks at ${runs[3]!.maxRssMb.toFixed(0)} MB (target <= 250 MB) ${pass(runs[3]!.maxRssMb <= 250)}`
  )
}
if (section('set')) {
  console.log('\nprojects-file as a graph (CLI bundle, one process; actions of 2-3 s)')
  console.log('| run | projects | wall | longest project | peak RSS | exit 0 |')
  console.log('| --- | --- | --- | --- | --- | --- |')
  const runs = await setBench(ROOT, 10)
  for (const r of runs)
    console.log(
      `| ${r.label} | ${r.projects} | ${fmt(r.ms)} | ${fmt(r.longestMs)} | ${r.maxRssMb.toFixed(0)} MB | ${r.ok} |`
    )
  const [one, many, chain1, chain4] = runs as [SetRun, SetRun, SetRun, SetRun]
  const ratio = many.ms / one.ms
  const mem = many.maxRssMb / one.maxRssMb
  console.log(
    `${many.projects} independent projects take ${ratio.toFixed(2)}x one project's time (target <= 1.3x) ${pass(ratio <= 1.3)}, ${mem.toFixed(2)}x its peak RSS (target <= 1.5x) ${pass(mem <= 1.5)}; the chain takes ${(chain4.ms / chain1.ms).toFixed(2)}x with max-parallel 4 as with 1 (target ~1x) ${pass(chain4.ms / chain1.ms <= 1.1)}`
  )
}
if (section('states')) {
  console.log(
    "\nCheck before the first write on an existing 1,000-task target (CLI bundle, Qlik's limits: runtime state 120/min over 5 minutes)"
  )
  console.log('| options | tasks | check step | states read | 429 answers | running-tasks check |')
  console.log('| --- | --- | --- | --- | --- | --- |')
  const runs = await statesBench(ROOT)
  for (const r of runs)
    console.log(
      `| ${r.label} | ${r.tasks} | ${fmt(r.checkMs)} | ${r.stateReads} | ${r.rateLimited} | ${r.guard} |`
    )
  const ok = runs.every((r) => r.checkMs < 10_000 && r.rateLimited === 0)
  console.log(`The check takes seconds with no 429 (target < 10 s, 0) ${pass(ok)}`)
}
if (section('hostile')) {
  console.log(
    '\nHostile inputs (CLI bundle, validate, start-up included): exit, wall time, peak RSS'
  )
  console.log('| input | exit | time | peak RSS |')
  console.log('| --- | --- | --- | --- |')
  const runs = await hostileBench(ROOT)
  for (const r of runs)
    console.log(`| ${r.label} | ${r.code} | ${fmt(r.ms)} | ${r.maxRssMb.toFixed(0)} MB |`)
  const [normal, ...bad] = runs as [(typeof runs)[number], ...typeof runs]
  // refused: exit 1; in well under a second beyond a normal validate's start-up and time
  const refusedOk = bad.every((r) => r.code === 1 && r.ms <= normal.ms + 1000)
  const memOk = bad.every((r) => r.maxRssMb <= normal.maxRssMb * 1.5)
  console.log(
    `Each refused (exit 1) within a normal validate's time + 1 s (${fmt(normal.ms)} + 1 s) ${pass(refusedOk)}; peak RSS within 1.5x a normal validate's (${normal.maxRssMb.toFixed(0)} MB) ${pass(memOk)}`
  )
  const small = bindingsBench(20_000)
  const large = bindingsBench(100_000)
  console.log(
    `Bindings: 20,000 names ${fmt(small)}, 100,000 names ${fmt(large)}: ${(large / small).toFixed(1)}x for 5x the names (target <= 8x and < 5 s) ${pass(large / small <= 8 && large < 5000)}`
  )
}
if (section('plan')) {
  console.log('\nA plan that binds a deploy (in process): the fingerprint made and checked')
  console.log('| tasks | make (dry run) | check (plan-file) | plan file | differences |')
  console.log('| --- | --- | --- | --- | --- |')
  const runs = [planBench(100), planBench(1000)]
  for (const r of runs)
    console.log(
      `| ${r.tasks} | ${fmt(r.makeMs)} | ${fmt(r.checkMs)} | ${(r.planBytes / 1e6).toFixed(2)} MB | ${r.differences} |`
    )
  const big = runs[1]!
  console.log(
    `1,000 tasks: made and checked in ${fmt(big.makeMs + big.checkMs)} (target < 1 s) ${pass(big.makeMs + big.checkMs < 1000 && big.differences === 0)}`
  )
}
const s = section('startup') ? startup() : undefined
if (s) {
  console.log(
    `\nStart-up (median of 5): action bundle ${s.action.toFixed(0)} ms, CLI bundle ${s.cli.toFixed(0)} ms, simulator bundle ${s.simulator.toFixed(0)} ms`
  )
  // what users download with the action: every file of dist/ (the CLI is a stub of the same bundle)
  const sizes = (dir: string): Array<[string, number]> =>
    readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
      e.isDirectory()
        ? sizes(join(dir, e.name))
        : e.name.endsWith('.js')
          ? [[join(dir, e.name), statSync(join(ROOT, dir, e.name)).size] as [string, number]]
          : []
    )
  const all = sizes('dist')
  console.log(
    `Bundle sizes: ${all.map(([f, n]) => `${f} ${(n / 1e6).toFixed(2)} MB`).join(', ')}; total ${(all.reduce((t, [, n]) => t + n, 0) / 1e6).toFixed(1)} MB`
  )
}
const m = section('memory') ? await memory() : undefined
if (m)
  console.log(
    `Peak RSS of the CLI bundle promoting a ${(m.packageBytes / 1e6).toFixed(1)} MB package: ${m.maxRssMb.toFixed(0)} MB (target < 150 MB) ${pass(m.ok && m.maxRssMb < 150)}${m.ok ? '' : ' (the promotion failed)'}`
  )
