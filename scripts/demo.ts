/**
 * `npm run demo`: start the simulator with its demo configuration and, through the same CLI engine
 * users run:
 *   1. promote the dev "Sales pipeline" project into prod's PROD_PIPELINES space
 *      (examples/bindings/prod.yaml);
 *   2. projects as code: check examples/project/ offline (`validate`), then deploy that folder to
 *      prod as the "Support" project (`deploy --package-dir`, examples/bindings/support-prod.yaml).
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
        '--poll-interval',
        '0.2',
        '--report-path',
        join(work, 'deploy-folder.json')
      ],
      env
    )
  }
  process.stdout.write('\nIn the prod simulator now:\n')
  for (const project of sim.state('prod').projects) {
    process.stdout.write(
      `  project '${project.name}' (${project.id}): ${project.tasks.length} tasks, ` +
        `${project.tasks.filter((t) => t.prepared && t.validated).length} prepared and validated\n`
    )
  }
} finally {
  await sim.close()
}
process.exit(code)
