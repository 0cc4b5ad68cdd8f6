/* eslint-disable @typescript-eslint/no-explicit-any */
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const root = new URL('../../', import.meta.url).pathname
const tsx = join(root, 'node_modules/.bin/tsx')

function run(
  args: string[],
  onLine?: (line: string, kill: () => void) => void
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(tsx, ['src/simulator/cli.ts', ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      if (onLine && out.includes('\n')) onLine(out.split('\n')[0]!, () => child.kill('SIGINT'))
    })
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    child.on('close', (code) => resolve({ code, out, err }))
  })
}

describe('npm run simulator', () => {
  it('prints one ready line with every tenant, serves them, and stops cleanly on SIGINT', async () => {
    let checked = false
    const result = await run([], (line, kill) => {
      if (checked) return
      checked = true
      const ready = JSON.parse(line)
      expect(ready.event).toBe('ready')
      expect(Object.keys(ready.tenants)).toEqual(['dev', 'prod'])
      const dev = ready.tenants.dev
      expect(dev).toMatchObject({
        url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
        apiKey: expect.any(String),
        clientId: expect.any(String),
        clientSecret: expect.any(String)
      })
      void fetch(`${dev.url}/api/v1/di-projects`, {
        headers: { authorization: `Bearer ${dev.apiKey}` }
      })
        .then(async (r) => {
          expect(r.status).toBe(200)
          expect(((await r.json()) as any).projects).toHaveLength(2)
        })
        .finally(kill)
    })
    expect(checked).toBe(true)
    expect(result.code).toBe(0)
    expect(result.err).toContain('simulator: stopped')
  }, 30000)

  it('exits 2 naming the bad field of a configuration file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'simcli-'))
    const file = join(dir, 'bad.yaml')
    writeFileSync(
      file,
      'tenants:\n  - name: dev\n    connections:\n      - { space: NOPE, name: c }\n'
    )
    const r = await run(['--config', file])
    expect(r.code).toBe(2)
    expect(r.err).toContain('tenants[0].connections[0].space: no space "NOPE" in tenant dev')
    const p = await run(['--port', 'abc'])
    expect(p.code).toBe(2)
    expect(p.err).toContain('--port must be an integer')
  }, 30000)
})
