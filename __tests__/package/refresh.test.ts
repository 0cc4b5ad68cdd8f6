import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { cpSync, existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const root = new URL('../../', import.meta.url).pathname
const vendor = join(root, 'vendor', 'qlik-oss-schemas')
const run = promisify(execFile)

/** The refresh script against a local stand-in for raw.githubusercontent.com. */
describe('scripts/refresh-schemas.ts', () => {
  let server: Server
  let base = ''
  const seen: string[] = []
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req.url ?? '')
      // /<commit>/qtcp/<file>: serve the vendored file, with a marker to see it was fetched
      const m = /^\/([0-9a-f]{40})\/(qtcp\/[^/]+|LICENSE|NOTICE|README\.md)$/.exec(req.url ?? '')
      if (!m) {
        res.writeHead(404).end('not found')
        return
      }
      // files the copy lacks (task.transformationrules...) come back as a minimal schema
      const file = join(vendor, m[2]!)
      const text = existsSync(file) ? readFileSync(file, 'utf8') : '{"type": "object"}'
      res
        .writeHead(200)
        .end(m[2]!.endsWith('.json') ? text.replace('{', `{"$comment":"${m[1]}",`) : text)
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const addr = server.address() as { port: number }
    base = `http://127.0.0.1:${addr.port}`
  })
  afterAll(() => new Promise<void>((r) => server.close(() => r())))

  it('fetches every file at one commit, records it, regenerates the module', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qdp-schemas-'))
    cpSync(vendor, join(dir, 'vendor'), { recursive: true })
    const commit = 'a'.repeat(40)
    const modulePath = join(dir, 'qtcp-schemas.ts')
    await run('npx', ['tsx', join(root, 'scripts', 'refresh-schemas.ts'), '--commit', commit], {
      env: {
        ...process.env,
        QTCP_SCHEMAS_BASE: base,
        QTCP_VENDOR_DIR: join(dir, 'vendor'),
        QTCP_MODULE_PATH: modulePath
      }
    })
    const sources = JSON.parse(readFileSync(join(dir, 'vendor', 'sources.json'), 'utf8'))
    const names = Object.keys(sources.files)
    // the three files missing from the copy are fetched too
    expect(names).toContain('task.transformationrules.schema.json')
    expect(Object.values(sources.files).every((c) => c === commit)).toBe(true)
    expect(sources.missing).toBeUndefined()
    expect(
      JSON.parse(readFileSync(join(dir, 'vendor', 'qtcp', 'project.schema.json'), 'utf8')).$comment
    ).toBe(commit)
    expect(seen).toContain(`/${commit}/LICENSE`)
    expect(readFileSync(modulePath, 'utf8')).toContain("'task.schema.json': task,")
  })

  it('refuses a commit that is not a full SHA', async () => {
    await expect(
      run('npx', ['tsx', join(root, 'scripts', 'refresh-schemas.ts'), '--commit', 'main'], {})
    ).rejects.toThrow(/40-character/)
  })
})
