import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { RunReport } from '../src/model/report.js'

/**
 * The CLI bundle as the benchmarks run it: against the simulator's dev and prod tenants (keys in
 * the environment), its report in `dir`, optionally with its peak RSS (scripts/bench-rss.mjs).
 */
export async function runCli(
  root: string,
  args: string[],
  o: {
    dir: string
    dev: { apiKey: string }
    prod: { apiKey: string }
    env?: Record<string, string>
    rss?: boolean
  }
): Promise<{ code: number | null; ms: number; maxRssMb: number; report: RunReport }> {
  const t0 = process.hrtime.bigint()
  const child = spawn(
    process.execPath,
    [
      ...(o.rss ? ['--import', join(root, 'scripts/bench-rss.mjs')] : []),
      join(root, 'dist/cli/index.js'),
      ...args,
      '--report-path',
      join(o.dir, 'report.json')
    ],
    {
      env: {
        PATH: process.env.PATH ?? '',
        QLIK_SOURCE_API_KEY: o.dev.apiKey,
        QLIK_TARGET_API_KEY: o.prod.apiKey,
        QLIK_ARTIFACT_DIR: join(o.dir, 'a'),
        ...o.env
      },
      stdio: ['ignore', 'ignore', 'pipe']
    }
  )
  let err = ''
  child.stderr.on('data', (d: Buffer) => (err += d.toString()))
  const code = await new Promise<number | null>((r) => child.on('close', r))
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  return {
    code,
    ms,
    maxRssMb: Number(/BENCH_MAXRSS_KB (\d+)/.exec(err)?.[1] ?? 'NaN') / 1024,
    report: JSON.parse(readFileSync(join(o.dir, 'report.json'), 'utf8')) as RunReport
  }
}
