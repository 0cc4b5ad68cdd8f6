import { readFileSync } from 'node:fs'
import { jest } from '@jest/globals'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cliWords, envName, helpText, main, parseArgv } from '../src/cli.js'
import { OPTION_SPECS } from '../src/options.js'
import type { Simulator } from '../src/simulator/server.js'
import { startDemo } from './helpers/sim.js'

describe('CLI', () => {
  it('lists every option of the schema in --help (each with its variable in --help-all) and the exit codes', async () => {
    let out = ''
    expect(await main(['--help'], {}, (s) => (out += s))).toBe(0)
    for (const s of OPTION_SPECS) expect(out).toContain(`--${s.name} `)
    expect(out).toContain('Every option is also an environment variable, QLIK_ and its name')
    expect(helpText().replace(/\n/g, ' ')).toContain(
      'Exit codes: 0 success (validate: valid; drift: no drift), 1 the promotion failed (validate: invalid; drift: the target differs), 2 bad input (found before any request to a tenant), 130 cancelled (Ctrl-C, SIGTERM).'
    )
  })

  it('--help is grouped like the README and wrapped at 100 columns; --help GROUP and --help-all give the rest', async () => {
    let out = ''
    expect(await main(['--help'], {}, (s) => (out += s))).toBe(0)
    expect(Math.max(...out.split('\n').map((l) => l.length))).toBeLessThanOrEqual(100)
    expect(out).toContain('\nBindings · --help bindings:\n  --bindings-file ')
    expect(out).toContain('\nAfter the deploy · --help after:\n')
    let group = ''
    expect(await main(['--help', 'bindings'], {}, (s) => (group += s))).toBe(0)
    expect(group).toContain('env: QLIK_STRICT_BINDINGS')
    expect(group).not.toContain('--target-space')
    let all = ''
    expect(await main(['--help-all'], {}, (s) => (all += s))).toBe(0)
    for (const s of OPTION_SPECS) expect(all).toContain(`env: ${envName(s.name)}`)
    let none = ''
    expect(await main(['--help', 'nosuch'], {}, (s) => (none += s))).toBe(2)
    expect(none).toContain("No help group 'nosuch': give one of mode, source, target")
  })

  it('speaks of its flags and variables, not of action inputs', () => {
    expect(cliWords("Input 'target-space': no space with id or name 'X'")).toBe(
      "--target-space (QLIK_TARGET_SPACE): no space with id or name 'X'"
    )
    expect(cliWords("Input 'nosuch' stays")).toBe("Input 'nosuch' stays")
  })

  it('--version prints package.json version (src/version.ts is generated from it)', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string
    }
    let out = ''
    expect(await main(['--version'], {}, (s) => (out += s))).toBe(0)
    expect(out).toBe(`${pkg.version}\n`)
  })

  it('a misspelled flag or command says what was meant', () => {
    expect(() => parseArgv(['deploy', '--targt-tenant', 'x'], {})).toThrow(
      'Unknown option --targt-tenant (did you mean --target-tenant?).'
    )
    expect(() => parseArgv(['drfit'], {})).toThrow(
      `Unknown command "drfit" (did you mean 'drift'?): use one of promote, export, deploy, validate, drift (or --mode).`
    )
    expect(() => parseArgv(['--zzz'], {})).toThrow('Unknown option --zzz.')
  })

  it('reads flags over environment variables; boolean flags take --x, --x=false and --no-x', () => {
    const { raw } = parseArgv(
      [
        '--source-tenant',
        'https://a.b',
        '--dry-run',
        '--no-backup',
        '--validate=false',
        '--timeout=60'
      ],
      { QLIK_SOURCE_TENANT: 'https://env.example', QLIK_TARGET_SPACE: 'S' }
    )
    expect(raw).toMatchObject({
      'source-tenant': 'https://a.b',
      'target-space': 'S',
      'dry-run': 'true',
      backup: 'false',
      validate: 'false',
      timeout: '60'
    })
  })

  it('exits 2 on bad input without sending anything', async () => {
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true)
    try {
      expect(await main(['--bogus', 'x'], {}, () => {})).toBe(2)
      expect(await main(['--target-tenant', 'http://remote.example.com'], {}, () => {})).toBe(2)
      expect(String(err.mock.calls.at(-1)?.[0])).toContain(
        '--target-tenant (QLIK_TARGET_TENANT) uses http://'
      )
    } finally {
      err.mockRestore()
    }
  })

  it('exits 2 for a zip-path that is missing, a directory, or a package whose digest does not match its manifest', async () => {
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true)
    const dir = mkdtempSync(join(tmpdir(), 'qdp-cli-zip-'))
    // a host nobody answers: a request would fail, and exit 1, not 2
    const deploy = (zip: string): string[] => [
      '--mode',
      'deploy',
      '--zip-path',
      zip,
      '--target-tenant',
      'http://127.0.0.1:9',
      '--target-api-key',
      'k',
      '--target-space',
      'PROD'
    ]
    try {
      let out = ''
      // reports go to a temporary folder, not into the repository
      const env = { QLIK_ARTIFACT_DIR: join(dir, 'out') }
      expect(await main(deploy(join(dir, 'nope.zip')), env, (s) => (out += s))).toBe(2)
      expect(out).toContain('--zip-path (QLIK_ZIP_PATH): no file')
      expect(out).toContain('Nothing was changed on the target tenant 127.0.0.1:9')
      out = ''
      expect(await main(deploy(dir), env, (s) => (out += s))).toBe(2)
      expect(out).toContain('is not a file (a directory?)')
      expect(out).not.toContain('EISDIR')
      const { zipSync } = await import('fflate')
      const zip = zipSync({ 'qtcp_project.yaml': new TextEncoder().encode('properties: {}\n') })
      writeFileSync(join(dir, 'p.zip'), zip)
      writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ packageSha256: '0'.repeat(64) }))
      out = ''
      expect(await main(deploy(join(dir, 'p.zip')), env, (s) => (out += s))).toBe(2)
      expect(out).toContain('it was changed after the export')
    } finally {
      err.mockRestore()
    }
  })

  describe('against the simulator', () => {
    let sim: Simulator
    beforeEach(async () => {
      sim = await startDemo()
    })
    afterEach(async () => {
      await sim.close()
    })
    const args = (): string[] => [
      '--source-tenant',
      sim.tenantInfo('dev').url,
      '--source-project',
      'Sales pipeline',
      '--target-tenant',
      sim.tenantInfo('prod').url,
      '--target-space',
      'PROD_PIPELINES',
      '--bindings',
      'examples/bindings/prod.yaml',
      '--poll-interval',
      '0.02'
    ]
    const env = (): NodeJS.ProcessEnv => ({
      QLIK_SOURCE_API_KEY: sim.tenantInfo('dev').apiKey,
      QLIK_TARGET_API_KEY: sim.tenantInfo('prod').apiKey,
      QLIK_ARTIFACT_DIR: mkdtempSync(join(tmpdir(), 'qdp-cli-')),
      PROD_DATABASE: 'ANALYTICS'
    })

    it('exits 0 after a promotion and prints the outputs', async () => {
      const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true)
      let out = ''
      try {
        expect(await main(args(), env(), (s) => (out += s))).toBe(0)
      } finally {
        err.mockRestore()
      }
      expect(out).toMatch(/\nPROMOTED in \d+\.\d s\n/)
      expect(out).toContain('validate-state: COMPLETED')
    })

    it('exits 1 when the promotion fails, and 2 when bindings name an unset variable', async () => {
      const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true)
      try {
        sim.injectFault({
          tenant: 'prod',
          path: '/actions/prepare',
          actionOutcome: { state: 'FAILED', message: 'boom' }
        })
        let out = ''
        expect(await main(args(), env(), (s) => (out += s))).toBe(1)
        expect(out).toContain('Prepare ended FAILED')
        // a dry run whose plan would fail exits 1 too
        expect(
          await main(
            [
              ...args(),
              '--dry-run',
              '--bindings',
              'examples/bindings/prod.yaml',
              '--target-space',
              'PROD_DATA'
            ],
            env(),
            () => {}
          )
        ).toBe(0)
        expect(
          await main(
            [
              ...args().slice(0, -4),
              '--dry-run',
              '--bindings',
              'platformConnection: "{{id(connection, NOPE.x)}}"\ntask.landing_orders.sourceConnection: a\ntask.landing_crm.sourceConnection: b\ncloudStagingConnection: c\ntask-type.storage.databaseName: d\nproject.current.prefixSchema: null',
              '--poll-interval',
              '0.02'
            ],
            env(),
            () => {}
          )
        ).toBe(1)
        const { PROD_DATABASE: _unset, ...noDb } = env()
        sim.clearRequests()
        expect(await main(args(), noDb, () => {})).toBe(2)
        expect(sim.requests()).toEqual([])
      } finally {
        err.mockRestore()
      }
    })
  })
})
