import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate'
import { keptValue, redactBackup, REDACTED, restoredValues } from '../../src/pipeline/secrets.js'
import type { Simulator } from '../../src/simulator/server.js'
import { PROD_BINDINGS_YAML, runPromote } from '../helpers/pipeline.js'
import { startDemo } from '../helpers/sim.js'

const zipWith = (vars: Record<string, string | null>): Uint8Array =>
  zipSync({
    'qtcp_project.yaml': strToU8('properties: {}\n'),
    'bindings.json': strToU8(JSON.stringify({ variables: vars }))
  })
const bindingsOf = (zip: Uint8Array) =>
  JSON.parse(strFromU8(unzipSync(zip)['bindings.json']!)).variables as Record<string, unknown>

describe('what a backup keeps of a secret', () => {
  it('the placeholder a value was given as, a marker for a value equal to a secret, else the value', () => {
    const templates = { password: '${DB_PASSWORD}' }
    expect(keptValue('password', 's3cr3t!', templates, [])).toBe('${DB_PASSWORD}')
    expect(keptValue('dsn', 'user=a;pw=s3cr3t!', {}, ['s3cr3t!'])).toBe(REDACTED)
    expect(keptValue('db', 'ANALYTICS', {}, ['s3cr3t!'])).toBe('ANALYTICS')
    expect(keptValue('x', null, templates, ['s3cr3t!'])).toBeNull()
  })

  it('rewrites bindings.json only, and leaves a package without secrets as it was', () => {
    const zip = zipWith({ password: 's3cr3t!', db: 'ANALYTICS' })
    const r = redactBackup(zip, { password: '${DB_PASSWORD}' }, [])
    expect(r.replaced).toEqual(['password'])
    expect(bindingsOf(r.zip)).toEqual({ password: '${DB_PASSWORD}', db: 'ANALYTICS' })
    expect(strFromU8(r.zip)).not.toContain('s3cr3t!')
    expect(Object.keys(unzipSync(r.zip)).sort()).toEqual(['bindings.json', 'qtcp_project.yaml'])
    const plain = zipWith({ db: 'ANALYTICS' })
    expect(redactBackup(plain, {}, ['s3cr3t!']).zip).toBe(plain)
  })

  it('a restore expands placeholders again, and refuses what it cannot restore, saying what to set', () => {
    const saved = { password: '${DB_PASSWORD}', token: REDACTED, db: 'ANALYTICS', n: null }
    expect(restoredValues(saved, { token: 't' }, { DB_PASSWORD: 'p' }, 'step')).toEqual({
      values: { password: 'p', db: 'ANALYTICS', n: null },
      // still a secret after the restore: kept out of the next backup the same way
      templates: { password: '${DB_PASSWORD}' },
      sensitive: ['p']
    })
    expect(() => restoredValues(saved, {}, {}, 'step')).toThrow(
      /'password' is kept in the backup as \$\{DB_PASSWORD\}.*set DB_PASSWORD in the step's env.*'token' was left out of the backup/
    )
  })
})

describe('a value from the environment through a promotion and its backup', () => {
  let sim: Simulator
  beforeEach(async () => {
    sim = await startDemo()
  })
  afterEach(async () => {
    await sim.close()
  })
  const bindings = PROD_BINDINGS_YAML.replace(
    'task-type.storage.databaseName: ANALYTICS',
    'task-type.storage.databaseName: ${PROD_DATABASE}'
  )
  const prodSales = () => sim.state('prod').projects.find((p) => p.name === 'Sales pipeline')!

  it('is set on the target, kept out of the backup artifact, masked, and restored from the env', async () => {
    const artifacts = mkdtempSync(join(tmpdir(), 'qdp-secret-'))
    const env = { PROD_DATABASE: 'Db-S3cret-Name' }
    expect((await runPromote(sim, { bindings }, env, artifacts)).report.outcome).toBe('succeeded')
    expect(prodSales().bindings['task-type.storage.databaseName']).toBe('Db-S3cret-Name')
    const masked: string[] = []
    const again = await runPromote(sim, { bindings }, env, artifacts, (s) => masked.push(s))
    expect(again.report.outcome).toBe('succeeded')
    expect(masked).toContain('Db-S3cret-Name')
    const backup = again.report.backup!
    // nothing under the artifact folder holds the value in clear, the ZIPs included
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]
      )
    const noSecretIn = (dir: string): void => {
      const stored = files(dir)
      expect(stored.some((f) => f.endsWith('.zip'))).toBe(true)
      for (const f of stored) {
        const bytes = new Uint8Array(readFileSync(f))
        const texts = f.endsWith('.zip')
          ? Object.values(unzipSync(bytes)).map((b) => strFromU8(b))
          : [strFromU8(bytes)]
        for (const t of texts) expect(t).not.toContain('Db-S3cret-Name')
      }
    }
    noSecretIn(artifacts)
    expect(JSON.stringify(again.report)).not.toContain('Db-S3cret-Name')
    expect(again.log.text()).toContain(
      'keeps 1 binding value(s) that came from the environment or equal a secret as placeholders'
    )

    // a restore without the variable says what to set; with it, the value comes back
    prodSales().bindings['task-type.storage.databaseName'] = 'changed'
    const deploy = {
      mode: 'deploy',
      'artifact-name': backup.name,
      'target-project': backup.projectId,
      bindings: '',
      'allow-recreate': 'true'
    }
    const refused = await runPromote(sim, deploy, {}, artifacts)
    expect(refused.report.outcome).toBe('failed')
    expect(refused.report.error).toContain(
      "'task-type.storage.databaseName' is kept in the backup as ${PROD_DATABASE}"
    )
    expect(refused.report.error).toContain("set PROD_DATABASE in the step's env")
    expect(prodSales().bindings['task-type.storage.databaseName']).toBe('changed')
    const restored = await runPromote(sim, deploy, env, artifacts)
    expect(restored.report.error).toBeUndefined()
    expect(prodSales().bindings['task-type.storage.databaseName']).toBe('Db-S3cret-Name')
    // a restore's own backup of the target (which holds the value again) keeps it out too
    const twice = await runPromote(sim, deploy, env, artifacts)
    expect(twice.report.error).toBeUndefined()
    expect(twice.report.backup).toBeDefined()
    noSecretIn(artifacts)
  })
})
