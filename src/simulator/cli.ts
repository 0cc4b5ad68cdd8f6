#!/usr/bin/env node
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { ConfigError, loadConfigFile } from './config.js'
import { Simulator } from './server.js'
import { tryIt } from './try-it.js'

/**
 * `qlik-di-promote simulator [--port N] [--config FILE]` (from a clone: `npm run simulator --`):
 * serve every tenant of the configuration on 127.0.0.1 and print one JSON line with each tenant's
 * base URL and credentials once ready (stdout, for scripts); with the demo configuration, also the
 * environment and the command that promote its demo project (stderr, for people).
 */

const HELP = `Usage: qlik-di-promote simulator [--port N] [--config FILE]
       (from a clone of the repository: npm run simulator -- [--port N] [--config FILE])

A faithful simulator of the Qlik Cloud APIs the promotion uses, on 127.0.0.1: try the action and
the command line without a tenant.

  --port N       first port; tenants are served on N, N+1, ... (default: free ports)
  --config FILE  YAML or JSON configuration (default: the demo configuration)
  --help         show this help

Prints one JSON line when ready: {"event":"ready","tenants":{"<name>":{"url","host","apiKey","clientId","clientSecret"}}}.
Control endpoints on every tenant: GET /__simulator/requests, GET /__simulator/events,
GET|POST|DELETE /__simulator/faults, GET /__simulator/state. Stop with Ctrl-C.`

// ncc turns this URL into a path string next to the bundle (and copies demo.yaml there).
const demoRef: string | URL = new URL('./demo.yaml', import.meta.url)
export const DEMO_CONFIG = typeof demoRef === 'string' ? demoRef : fileURLToPath(demoRef)

async function main(argv: string[]): Promise<number> {
  let args
  try {
    args = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        config: { type: 'string' },
        help: { type: 'boolean' }
      },
      strict: true
    })
  } catch (e) {
    console.error(`simulator: ${(e as Error).message}\n\n${HELP}`)
    return 2
  }
  if (args.values.help) {
    console.log(HELP)
    return 0
  }
  const portText = args.values.port ?? '0'
  const port = Number(portText)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`simulator: --port must be an integer from 0 to 65535 (got "${portText}")`)
    return 2
  }
  let sim: Simulator
  try {
    const config = loadConfigFile(args.values.config ?? DEMO_CONFIG)
    sim = await Simulator.start(config, { port })
  } catch (e) {
    console.error(`simulator: ${(e as Error).message}`)
    return e instanceof ConfigError ? 2 : 1
  }
  const tenants = Object.fromEntries(sim.tenants().map(({ name, ...rest }) => [name, rest]))
  process.stdout.write(`${JSON.stringify({ event: 'ready', tenants })}\n`)
  if (!args.values.config) process.stderr.write(tryIt(tenants))
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve()
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
  await sim.close()
  console.error('simulator: stopped')
  return 0
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error('simulator: unexpected error:', e)
    process.exit(1)
  }
)
