/**
 * A projects file run as a graph, through the CLI bundle (one process, peak RSS measured): one
 * project alone, N independent projects at once (target: within 1.3x the longest single project's
 * time, peak RSS within 1.5x of one project's), and a chain of three with max-parallel 1 and 4
 * (target: the same time: a chain cannot go side by side).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse, stringify } from 'yaml'
import { runCli } from './bench-cli.js'
import type { SimulatorConfigInput } from '../src/simulator/config.js'
import { Simulator } from '../src/simulator/server.js'

export interface SetRun {
  label: string
  projects: number
  ms: number
  maxRssMb: number
  /** The longest single project's time inside the run. */
  longestMs: number
  ok: boolean
}

const platform = { platformConnection: '{{id(connection, PROD_DATA.snowflake_prod)}}' }

function config(root: string, n: number): SimulatorConfigInput {
  const cfg = parse(
    readFileSync(join(root, 'src/simulator/demo.yaml'), 'utf8')
  ) as SimulatorConfigInput
  const dev = cfg.tenants.find((t) => t.name === 'dev')!
  dev.projects = Array.from({ length: n }, (_, i) => ({
    name: `Project ${i + 1}`,
    space: 'DEV_PIPELINES',
    type: 'DATA_PIPELINE',
    platformType: 'SNOWFLAKE',
    platformConnection: 'DEV_DATA.snowflake_dev',
    tasks: [{ id: `storage_${i + 1}`, name: `Storage ${i + 1}`, type: 'STORAGE' }]
  })) as typeof dev.projects
  // actions of 2-3 s (pending 0.5 s, one task of 2 s +-25%), as the target says
  cfg.timing = { actionPendingMs: 500, actionTaskMs: 2000, actionTaskSpread: 0.25 }
  return cfg
}

async function runSet(
  root: string,
  sim: Simulator,
  label: string,
  entries: object[],
  maxParallel: number
): Promise<SetRun> {
  const dir = mkdtempSync(join(tmpdir(), 'qdp-bench-set-'))
  const file = join(dir, 'projects.yaml')
  writeFileSync(file, stringify({ projects: entries }))
  const dev = sim.tenantInfo('dev')
  const prod = sim.tenantInfo('prod')
  const { code, ms, maxRssMb, report } = await runCli(
    root,
    [
      '--source-tenant',
      dev.url,
      '--target-tenant',
      prod.url,
      '--target-space',
      'PROD_PIPELINES',
      '--projects-file',
      file,
      '--max-parallel',
      String(maxParallel)
    ],
    { dir, dev, prod, rss: true }
  )
  const each = (report.projectReports ?? []).map(
    (x) => Date.parse(x.report.finishedAt ?? '') - Date.parse(x.report.startedAt)
  )
  return {
    label,
    projects: entries.length,
    ms,
    maxRssMb,
    longestMs: Math.max(...each),
    ok: code === 0
  }
}

export async function setBench(root: string, n = 10): Promise<SetRun[]> {
  const sim = await Simulator.start(config(root, n))
  try {
    const entry = (i: number, dependsOn: string[] = []) => ({
      name: `Project ${i}`,
      bindings: platform,
      ...(dependsOn.length ? { dependsOn } : {})
    })
    const runs: SetRun[] = []
    runs.push(await runSet(root, sim, 'one project', [entry(1)], 1))
    runs.push(
      await runSet(
        root,
        sim,
        `${n} independent, max-parallel ${n}`,
        Array.from({ length: n }, (_, i) => entry(i + 1)),
        n
      )
    )
    const chain = [entry(1), entry(2, ['Project 1']), entry(3, ['Project 2'])]
    runs.push(await runSet(root, sim, 'chain of 3, max-parallel 1', chain, 1))
    runs.push(await runSet(root, sim, 'chain of 3, max-parallel 4', chain, 4))
    return runs
  } finally {
    await sim.close()
  }
}
