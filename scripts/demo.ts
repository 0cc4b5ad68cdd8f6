/**
 * `npm run demo`: start the simulator with its demo configuration and promote the dev "Sales
 * pipeline" project into prod's PROD_PIPELINES space with examples/bindings/prod.yaml, through the
 * same CLI engine users run. Exits with the promotion's exit code.
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
  const project = sim.state('prod').projects.find((p) => p.name === 'Sales pipeline')
  if (project) {
    process.stdout.write(
      `\nIn the prod simulator now: project '${project.name}' (${project.id}) with ${project.tasks.length} tasks, ` +
        `${project.tasks.filter((t) => t.prepared && t.validated).length} prepared and validated.\n`
    )
  }
} finally {
  await sim.close()
}
process.exit(code)
