import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfigError, loadConfigFile, parseConfig } from '../../src/simulator/config.js'
import { demoConfig } from '../helpers/sim.js'

function problems(input: unknown): string[] {
  try {
    parseConfig(input)
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError)
    return (e as ConfigError).problems
  }
  throw new Error('expected a ConfigError')
}

describe('simulator configuration', () => {
  it('loads the shipped demo configuration (dev with two projects, prod with prod names)', () => {
    const cfg = loadConfigFile(new URL('../../src/simulator/demo.yaml', import.meta.url).pathname)
    const dev = cfg.tenants.find((t) => t.name === 'dev')!
    const prod = cfg.tenants.find((t) => t.name === 'prod')!
    expect(dev.projects.map((p) => p.type).sort()).toEqual(['DATA_MOVEMENT', 'DATA_PIPELINE'])
    expect(prod.spaces.every((s) => s.name.startsWith('PROD_'))).toBe(true)
    expect(prod.connections.some((c) => c.name === 'snowflake_prod')).toBe(true)
    expect(cfg.rateLimits.tier2PerMinute).toBe(100)
    expect(cfg.tokenTtlSeconds).toBe(21600)
  })

  it('names the field of each problem', () => {
    expect(problems({ tenants: [] })).toEqual(['tenants: at least one tenant is needed'])
    expect(problems({ tenants: [{ name: 'Dev Tenant' }] })[0]).toMatch(
      /^tenants\[0\]\.name: use lower-case/
    )
    expect(
      problems({ tenants: [{ name: 'dev', spaces: [{ name: 'S', type: 'private' }] }] })[0]
    ).toMatch(/^tenants\[0\]\.spaces\[0\]\.type:/)
    expect(problems({ tenants: [{ name: 'dev', colour: 'red' }] })[0]).toMatch(/colour/)
    expect(problems({ tenants: [{ name: 'dev' }], rateLimits: { tier1PerMinute: -1 } })[0]).toMatch(
      /^rateLimits\.tier1PerMinute:/
    )
  })

  it('checks references: spaces, connections, duplicates, fault tenants', () => {
    const p = problems({
      tenants: [
        {
          name: 'dev',
          spaces: [{ name: 'A' }, { name: 'A' }],
          connections: [{ space: 'B', name: 'c' }],
          projects: [
            {
              name: 'P',
              space: 'A',
              platformConnection: 'A.missing',
              tasks: [{ name: 't', sourceConnection: 'A.nope' }]
            }
          ]
        },
        { name: 'dev' }
      ],
      faults: [{ tenant: 'qa', status: 503 }]
    })
    expect(p).toEqual(
      expect.arrayContaining([
        'tenants[1]: duplicate tenant name "dev"',
        'tenants[0].spaces[1]: duplicate space name "A"',
        'tenants[0].connections[0].space: no space "B" in tenant dev',
        'tenants[0].projects[0].platformConnection: no connection "A.missing" in tenant dev (SPACE.NAME)',
        'tenants[0].projects[0].tasks[0].sourceConnection: no connection "A.nope" in tenant dev (SPACE.NAME)',
        'faults[0].tenant: no tenant named "qa"'
      ])
    )
  })

  it('reports unreadable and unparsable files with their path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'simcfg-'))
    expect(() => loadConfigFile(join(dir, 'missing.yaml'))).toThrow(
      /cannot read simulator configuration .*missing\.yaml/
    )
    writeFileSync(join(dir, 'bad.json'), '{ "tenants": [ }')
    expect(() => loadConfigFile(join(dir, 'bad.json'))).toThrow(/bad\.json is not valid YAML\/JSON/)
    writeFileSync(join(dir, 'bad.yaml'), 'tenants:\n  - name: dev\n    spaces: 3\n')
    expect(() => loadConfigFile(join(dir, 'bad.yaml'))).toThrow(/tenants\[0\]\.spaces: /)
  })

  it('accepts the demo configuration as an object with overrides', () => {
    expect(parseConfig(demoConfig()).timing.actionTaskMs).toBe(25)
  })
})
