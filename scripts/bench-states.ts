/**
 * The check before the first write on an existing 1,000-task target, through the CLI bundle with
 * Qlik's default limits on both sides (runtime state 120/min over 5 minutes): how long the checks
 * step takes, how many runtime states were read, how many 429s the tenant answered.
 */
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'
import { runCli } from './bench-cli.js'
import type { SimulatorConfigInput } from '../src/simulator/config.js'
import { Simulator } from '../src/simulator/server.js'

export interface StatesRun {
  label: string
  tasks: number
  checkMs: number
  stateReads: number
  rateLimited: number
  guard: string
}

export async function statesBench(root: string, tasks = 1000): Promise<StatesRun[]> {
  const cfg = parse(
    readFileSync(join(root, 'src/simulator/demo.yaml'), 'utf8')
  ) as SimulatorConfigInput
  const big = (space: string, connection: string) => ({
    name: 'Big',
    space,
    type: 'DATA_PIPELINE' as const,
    platformType: 'SNOWFLAKE' as const,
    platformConnection: connection,
    tasks: Array.from({ length: tasks }, (_, i) => ({
      id: `storage_${i}`,
      name: `Storage ${i}`,
      type: 'STORAGE' as const
    }))
  })
  for (const t of cfg.tenants) {
    if (t.name === 'dev')
      t.projects = [...(t.projects ?? []), big('DEV_PIPELINES', 'DEV_DATA.snowflake_dev')]
    if (t.name === 'prod')
      t.projects = [...(t.projects ?? []), big('PROD_PIPELINES', 'PROD_DATA.snowflake_prod')]
  }
  cfg.timing = { actionPendingMs: 50, actionTaskMs: 1 }
  const out: StatesRun[] = []
  for (const [label, extra] of [
    ['prepare (default): reads what the budget allows', []],
    ['prepare off, quiesce off: no reads', ['--no-prepare', '--no-validate']]
  ] as Array<[string, string[]]>) {
    const sim = await Simulator.start(cfg)
    try {
      const dev = sim.tenantInfo('dev')
      const prod = sim.tenantInfo('prod')
      const dir = mkdtempSync(join(tmpdir(), 'qdp-bench-states-'))
      const { report } = await runCli(
        root,
        [
          '--source-tenant',
          dev.url,
          '--source-project',
          'Big',
          '--target-tenant',
          prod.url,
          '--target-space',
          'PROD_PIPELINES',
          '--bindings',
          '{"platformConnection": "{{id(connection, PROD_DATA.snowflake_prod)}}"}',
          '--dry-run',
          ...extra
        ],
        { dir, dev, prod }
      )
      const step = report.steps.find((s) => s.name.startsWith('Check before'))
      const log = sim.requests({ tenant: 'prod' })
      out.push({
        label,
        tasks,
        checkMs: step?.durationMs ?? NaN,
        stateReads: log.filter((r) => r.path.endsWith('/runtime/state')).length,
        rateLimited: log.filter((r) => r.status === 429).length,
        guard:
          report.guards?.find((g) => g.check === 'Running tasks on the target')?.status ??
          report.error?.split('\n')[0] ??
          '?'
      })
    } finally {
      await sim.close()
    }
  }
  return out
}
