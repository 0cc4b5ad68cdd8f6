import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { stringify } from 'yaml'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseOptions, type RawOptions } from '../../src/options.js'
import type { Reporter } from '../../src/pipeline/ports.js'
import { realClock } from '../../src/pipeline/ports.js'
import type { RunReport } from '../../src/model/report.js'
import { LocalArtifactStore } from '../../src/artifacts/local.js'
import { runPipeline } from '../../src/setup.js'
import type { BudgetRegistry } from '../../src/qlik/budget.js'
import type { Simulator } from '../../src/simulator/server.js'

export class MemoryReporter implements Reporter {
  lines: string[] = []
  info(m: string): void {
    this.lines.push(`info: ${m}`)
  }
  warning(m: string): void {
    this.lines.push(`warning: ${m}`)
  }
  error(m: string): void {
    this.lines.push(`error: ${m}`)
  }
  debug(m: string): void {
    this.lines.push(`debug: ${m}`)
  }
  async group<T>(name: string, fn: () => Promise<T>): Promise<T> {
    this.lines.push(`group: ${name}`)
    return fn()
  }
  text(): string {
    return this.lines.join('\n')
  }
}

export const PROD_BINDINGS_YAML = `
platformConnection: "{{id(connection, PROD_DATA.snowflake_prod)}}"
cloudStagingConnection: "{{id(connection, PROD_DATA.s3_staging_prod)}}"
task.landing_orders.sourceConnection: "{{id(connection, PROD_SOURCES.orders_postgres)}}"
task.landing_crm.sourceConnection: "{{id(connection, PROD_SOURCES.crm_mysql)}}"
task-type.storage.databaseName: ANALYTICS
project.current.prefixSchema: null
`

export function promoteInputs(sim: Simulator, extra: RawOptions = {}): RawOptions {
  const dev = sim.tenantInfo('dev')
  const prod = sim.tenantInfo('prod')
  return {
    'source-tenant': dev.url,
    'source-api-key': dev.apiKey,
    'source-project': 'Sales pipeline',
    'target-tenant': prod.url,
    'target-api-key': prod.apiKey,
    'target-space': 'PROD_PIPELINES',
    bindings: PROD_BINDINGS_YAML,
    'poll-interval': '0.02',
    ...extra
  }
}

export async function runPromote(
  sim: Simulator,
  extra: RawOptions = {},
  env: NodeJS.ProcessEnv = {},
  artifactDir?: string,
  onSecret: (secret: string) => void = () => {},
  budgets?: BudgetRegistry
): Promise<{ report: RunReport; log: MemoryReporter }> {
  const log = new MemoryReporter()
  const dir = mkdtempSync(join(tmpdir(), 'qdp-'))
  // runPipeline: the same run as the action and the CLI, report and plan files included
  const report = await runPipeline(
    {
      options: parseOptions(promoteInputs(sim, extra)),
      reporter: log,
      clock: realClock,
      env,
      onSecret,
      artifacts: new LocalArtifactStore(artifactDir ?? join(dir, 'artifacts')),
      workDir: join(dir, 'work'),
      // the simulator's actions take milliseconds here: no 500 ms floor between status checks
      polling: { floorMs: 10 },
      ...(budgets ? { budgets } : {})
    },
    join(dir, 'report.json')
  )
  return { report, log }
}

/** The command line's promote of the demo's dev project to prod, as promoteInputs gives the action. */
export function cliPromoteArgs(
  sim: Simulator,
  o: { project?: string; bindings?: string } = {}
): string[] {
  return [
    'promote',
    '--source-tenant',
    sim.tenantInfo('dev').url,
    '--source-project',
    o.project ?? 'Sales pipeline',
    '--target-tenant',
    sim.tenantInfo('prod').url,
    '--target-space',
    'PROD_PIPELINES',
    '--bindings',
    o.bindings ?? PROD_BINDINGS_YAML
  ]
}

/** The prod bindings of examples/project/ (the demo's "Support" project). */
export const SUPPORT_BINDINGS_YAML = readFileSync(
  new URL('../../examples/bindings/support-prod.yaml', import.meta.url),
  'utf8'
)

/** Mode deploy of a project folder as "Support" on the demo's prod tenant, with its prod bindings. */
export function deploySupport(
  sim: Simulator,
  packageDir: string,
  extra: RawOptions = {}
): ReturnType<typeof runPromote> {
  return runPromote(sim, {
    'source-tenant': '',
    'source-api-key': '',
    'source-project': '',
    mode: 'deploy',
    'package-dir': packageDir,
    'target-project': 'Support',
    bindings: SUPPORT_BINDINGS_YAML,
    ...extra
  })
}

export const PLATFORM_BINDING = {
  platformConnection: '{{id(connection, PROD_DATA.snowflake_prod)}}'
}

/** The entries of threeProjects() (sim.ts), listed dependent-first: the order comes from dependsOn. */
export function threeProjectEntries(): object[] {
  return [
    { name: 'Reports', dependsOn: ['Marts'], bindings: PLATFORM_BINDING },
    { name: 'Marts', dependsOn: ['Hub'], bindings: PLATFORM_BINDING },
    {
      name: 'Hub',
      bindings: {
        ...PLATFORM_BINDING,
        'task.landing_hub.sourceConnection': '{{id(connection, PROD_SOURCES.orders_postgres)}}'
      }
    }
  ]
}

/** A projects file of these entries, in a folder of its own. */
export function projectsFile(projects: object[]): string {
  const path = join(mkdtempSync(join(tmpdir(), 'qdp-set-')), 'projects.yaml')
  writeFileSync(path, stringify({ projects }))
  return path
}

/** The action's inputs for a projects-file run from the demo's dev to its prod tenant. */
export function setInputs(
  sim: Simulator,
  file: string,
  extra: Record<string, string> = {}
): Record<string, string> {
  const dev = sim.tenantInfo('dev')
  const prod = sim.tenantInfo('prod')
  return {
    'source-tenant': dev.url,
    'source-api-key': dev.apiKey,
    'target-tenant': prod.url,
    'target-api-key': prod.apiKey,
    'target-space': 'PROD_PIPELINES',
    'projects-file': file,
    'poll-interval': '0.02',
    ...extra
  }
}
