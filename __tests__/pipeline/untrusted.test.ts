/**
 * Untrusted content through the pipeline, in process, against the simulator: names from the tenant
 * that carry workflow commands and markup, variables named like Object's own properties, values
 * from the environment, a projects file pointing outside the workspace.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadProjectsFile } from '../../src/set/file.js'
import { mergeBindings } from '../../src/pipeline/bindings.js'
import { renderSummary } from '../../src/report/summary.js'
import type { Simulator } from '../../src/simulator/server.js'
import { PROD_BINDINGS_YAML, runPromote } from '../helpers/pipeline.js'
import { startDemo, withTenant } from '../helpers/sim.js'

let sim: Simulator
afterEach(async () => {
  await sim?.close()
})

describe('variables named like Object.prototype', () => {
  it('constructor and toString without a value are missing, not found on the prototype', () => {
    const m = mergeBindings({}, {}, ['constructor', 'toString', '__proto__', 'hasOwnProperty'])
    expect(m.missing).toEqual(['constructor', 'toString', '__proto__', 'hasOwnProperty'])
    const given = JSON.parse('{"__proto__": "x", "constructor": "y"}') as Record<string, string>
    const n = mergeBindings({}, given, ['__proto__', 'constructor'])
    expect(n.missing).toEqual([])
    expect(n.added.sort()).toEqual(['__proto__', 'constructor'])
    expect(Object.getPrototypeOf(n.values)).toBeNull()
  })

  it('a package declaring constructor and toString with no value is refused before any write', async () => {
    sim = await startDemo(
      withTenant('dev', (t) => ({
        projects: (t.projects as Array<Record<string, unknown>>).map((p) =>
          p.name === 'Sales pipeline'
            ? {
                ...p,
                variables: {
                  ...(p.variables as Record<string, string>),
                  constructor: 'x',
                  toString: 'y'
                }
              }
            : p
        )
      }))
    )
    expect(sim.state('dev').projects[0]!.declared).toContain('constructor')
    const { report } = await runPromote(sim)
    expect(report.outcome).toBe('failed')
    expect(report.error).toMatch(/constructor/)
    expect(report.error).toMatch(/toString/)
    expect(sim.requests({ tenant: 'prod' }).filter((r) => r.method !== 'GET')).toEqual([])
  })
})

describe('values from the environment are secrets everywhere', () => {
  it('a ${ENV} value inside a connection expression is its placeholder in the log, summary and report', async () => {
    sim = await startDemo()
    const bindings = PROD_BINDINGS_YAML.replace(
      'PROD_DATA.snowflake_prod',
      'PROD_DATA.${SNOWFLAKE_CONNECTION}'
    )
    const env = { SNOWFLAKE_CONNECTION: 'snowflake_prod' }
    const { report, log } = await runPromote(sim, { bindings, 'dry-run': 'true' }, env)
    expect(report.outcome).toBe('succeeded')
    const everything = [JSON.stringify(report), renderSummary(report), log.text()].join('\n')
    expect(everything).not.toContain('snowflake_prod')
    expect(everything).toContain('${SNOWFLAKE_CONNECTION}')
  })
})

describe('projects file', () => {
  it('a bindingsFile outside the workspace is refused, naming the entry', () => {
    const ws = mkdtempSync(join(tmpdir(), 'qdp-ws-'))
    const file = join(ws, 'projects.yaml')
    writeFileSync(
      file,
      'projects:\n  - name: Hub\n    sourceProject: Hub\n    bindingsFile: ../../../etc/passwd.yaml\n'
    )
    expect(() => loadProjectsFile(file, ws)).toThrow(
      /the bindingsFile of 'Hub' \(\.\.\/\.\.\/\.\.\/etc\/passwd\.yaml\) is outside the workspace/
    )
  })
  it('a bindings file that is not UTF-8 or not a regular file is refused, naming it', async () => {
    const { loadBindingsInput } = await import('../../src/pipeline/bindings.js')
    const { execFileSync } = await import('node:child_process')
    const ws = mkdtempSync(join(tmpdir(), 'qdp-ws-'))
    writeFileSync(join(ws, 'prod.yaml'), Buffer.from([0x61, 0x3a, 0x20, 0xff, 0x0a]))
    expect(() => loadBindingsInput('prod.yaml', {}, ws)).toThrow(
      /prod\.yaml is not valid UTF-8 \(byte offset 3\)/
    )
    execFileSync('mkfifo', [join(ws, 'pipe.yaml')])
    expect(() => loadBindingsInput('pipe.yaml', {}, ws)).toThrow(
      /is not a regular file \(a pipe, socket or device\)/
    )
  })
  it('a projects file that is not a regular file is refused, not read', () => {
    const ws = mkdtempSync(join(tmpdir(), 'qdp-ws-'))
    expect(() => loadProjectsFile(ws, ws)).toThrow(/is not a regular file \(a folder\)/)
  })
})
