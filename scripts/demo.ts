/**
 * `npm run demo`: start the simulator with its demo configuration and, through the same CLI engine
 * users run:
 *   1. promote the dev "Sales pipeline" project into prod's PROD_PIPELINES space
 *      (examples/bindings/prod.yaml);
 *      and run its data tasks (landing, storage, mart), then the "Reload sales app" job downstream;
 *   2. promote the continuous "Orders replication" project and start its CDC task;
 *   3. projects as code: check examples/project/ offline (`validate`), then deploy that folder to
 *      prod as the "Support" project (`deploy --package-dir`, examples/bindings/support-prod.yaml)
 *      and run its tasks.
 * It ends with the data tasks running (CDC) or completed (batch) on prod.
 * Exits with the first failing step's exit code.
 */
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'
import { main } from '../src/cli.js'
import type { SimulatorConfigInput } from '../src/simulator/config.js'
import { Simulator } from '../src/simulator/server.js'

const config = parse(
  readFileSync(new URL('../src/simulator/demo.yaml', import.meta.url), 'utf8')
) as SimulatorConfigInput
// Real tenants take minutes; the demo takes seconds but keeps every state transition visible.
config.timing = { actionPendingMs: 300, actionTaskMs: 400, taskRunMs: 2000, taskStartingMs: 200 }

const sim = await Simulator.start(config)
const dev = sim.tenantInfo('dev')
const prod = sim.tenantInfo('prod')
process.stderr.write(
  `Simulator: dev at ${dev.url} (${dev.host}), prod at ${prod.url} (${prod.host})\n\n`
)
const work = mkdtempSync(join(tmpdir(), 'qlik-di-demo-'))
let code = 1
try {
  code = await main(
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
      'examples/bindings/prod.yaml',
      '--run-tasks',
      'all',
      '--trigger-tasks',
      'Reload sales app',
      '--poll-interval',
      '0.2',
      '--report-path',
      join(work, 'report.json')
    ],
    {
      ...process.env,
      QLIK_SOURCE_API_KEY: dev.apiKey,
      QLIK_TARGET_CLIENT_ID: prod.clientId,
      QLIK_TARGET_CLIENT_SECRET: prod.clientSecret,
      QLIK_ARTIFACT_DIR: join(work, 'artifacts'),
      PROD_DATABASE: 'ANALYTICS'
    }
  )
  const env = {
    ...process.env,
    QLIK_TARGET_CLIENT_ID: prod.clientId,
    QLIK_TARGET_CLIENT_SECRET: prod.clientSecret,
    QLIK_ARTIFACT_DIR: join(work, 'artifacts')
  }
  if (code === 0) {
    process.stdout.write('\n== A continuous replication, started and healthy ==\n')
    code = await main(
      [
        '--source-tenant',
        dev.url,
        '--source-project',
        'Orders replication',
        '--target-tenant',
        prod.url,
        '--target-space',
        'PROD_PIPELINES',
        '--bindings',
        'examples/bindings/replication-prod.yaml',
        '--run-tasks',
        'all',
        '--run-healthy-seconds',
        '2',
        '--poll-interval',
        '0.2',
        '--report-path',
        join(work, 'replication.json')
      ],
      { ...env, QLIK_SOURCE_API_KEY: dev.apiKey }
    )
  }
  if (code === 0) {
    process.stdout.write(
      "\n== Projects as code: examples/project/ (a folder in Qlik's layout) ==\n"
    )
    code = await main(
      [
        'validate',
        '--package-dir',
        'examples/project',
        '--report-path',
        join(work, 'validate.json')
      ],
      env
    )
  }
  if (code === 0) {
    code = await main(
      [
        'deploy',
        '--package-dir',
        'examples/project',
        '--target-project',
        'Support',
        '--target-tenant',
        prod.url,
        '--target-space',
        'PROD_PIPELINES',
        '--bindings',
        'examples/bindings/support-prod.yaml',
        '--run-tasks',
        'all',
        '--run-healthy-seconds',
        '2',
        '--poll-interval',
        '0.2',
        '--report-path',
        join(work, 'deploy-folder.json')
      ],
      env
    )
  }
  process.stdout.write('\n== In the prod simulator now ==\n')
  for (const project of sim.state('prod').projects) {
    const ready = project.tasks.filter((t) => t.prepared && t.validated).length
    process.stdout.write(
      `\n${project.name} (${project.id}): ${ready} of ${project.tasks.length} tasks prepared and validated\n`
    )
    for (const t of project.tasks) {
      const run = t.runs.at(-1)
      const state = !run
        ? 'not run'
        : run.stoppedAt !== undefined
          ? 'stopped'
          : run.endsAt === undefined
            ? 'running (continuous)'
            : (run.outcome ?? '').toLowerCase()
      process.stdout.write(`  - ${t.name}: ${state}\n`)
    }
  }
  process.stdout.write(
    [
      '',
      '== Where to look ==',
      `  reports (JSON, one per run): ${work}/*.json`,
      `  package artifacts and manifests: ${join(work, 'artifacts')}`,
      '  in a GitHub workflow the same runs write the job summary, the report-path output and a',
      '  workflow artifact; see README.md (Quick start) to set one up.',
      ''
    ].join('\n')
  )
} finally {
  await sim.close()
}
process.exit(code)
