import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * A local fake of GitHub's artifact service, enough for the real @actions/artifact client:
 * Twirp `github.actions.results.api.v1.ArtifactService` (JSON with proto field names, as the client sends) (CreateArtifact, FinalizeArtifact,
 * ListArtifacts, GetSignedArtifactURL) and the Azure blob upload it signs (`PUT ?comp=block`,
 * `PUT ?comp=blocklist`), plus a download URL.
 */

export interface FakeArtifact {
  id: number
  name: string
  runBackendId: string
  jobBackendId: string
  blocks: Map<string, Buffer>
  content?: Buffer
  size?: string
  hash?: string
  expiresAt?: string
  createdAt: string
  finalized: boolean
}

const TWIRP = '/twirp/github.actions.results.api.v1.ArtifactService/'

function read(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

/** A runtime token as the runner has one: a JWT whose `scp` names the run and job backend ids. */
export function runtimeToken(
  runBackendId = 'run-backend-1',
  jobBackendId = 'job-backend-1'
): string {
  const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url')
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ scp: `Actions.GenericRead:x Actions.Results:${runBackendId}:${jobBackendId}` })}.sig`
}

export class FakeArtifactService {
  readonly artifacts: FakeArtifact[] = []
  readonly calls: string[] = []
  /** Authorization headers the public REST API received (to check the token went there). */
  readonly publicAuth: string[] = []
  private server?: Server
  url = ''
  private nextId = 1000

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void (async () => {
        const u = new URL(req.url ?? '/', 'http://x')
        const body = await read(req)
        this.calls.push(
          `${req.method} ${u.pathname}${u.searchParams.get('comp') ? `?comp=${u.searchParams.get('comp')}` : ''}`
        )
        const json = (status: number, data: unknown): void => {
          res.writeHead(status, { 'content-type': 'application/json' })
          res.end(JSON.stringify(data))
        }
        if (req.method === 'POST' && u.pathname.startsWith(TWIRP)) {
          const method = u.pathname.slice(TWIRP.length)
          const msg = JSON.parse(body.toString() || '{}') as Record<string, string>
          if (!String(req.headers.authorization ?? '').startsWith('Bearer '))
            return json(401, { code: 'unauthenticated', msg: 'no token' })
          if (method === 'CreateArtifact') {
            const a: FakeArtifact = {
              id: this.nextId++,
              name: msg.name as string,
              runBackendId: msg.workflow_run_backend_id as string,
              jobBackendId: msg.workflow_job_run_backend_id as string,
              blocks: new Map(),
              createdAt: new Date().toISOString(),
              finalized: false,
              ...(msg.expires_at ? { expiresAt: msg.expires_at } : {})
            }
            this.artifacts.push(a)
            return json(200, {
              ok: true,
              signed_upload_url: `${this.url}/blob/${a.id}?sig=fake-signature`
            })
          }
          if (method === 'FinalizeArtifact') {
            const a = this.artifacts.find(
              (x) =>
                x.name === msg.name &&
                x.runBackendId === msg.workflow_run_backend_id &&
                !x.finalized
            )
            if (!a) return json(404, { code: 'not_found', msg: 'no such artifact' })
            a.finalized = true
            a.size = msg.size
            a.hash = (msg.hash as unknown as string | undefined) ?? undefined
            return json(200, { ok: true, artifact_id: String(a.id) })
          }
          if (method === 'ListArtifacts') {
            const list = this.artifacts.filter(
              (a) =>
                a.finalized &&
                (!msg.workflow_run_backend_id || a.runBackendId === msg.workflow_run_backend_id)
            )
            const nameFilter = (msg.name_filter as unknown as string | undefined) ?? undefined
            const idFilter = (msg.id_filter as unknown as string | undefined) ?? undefined
            return json(200, {
              artifacts: list
                .filter((a) => !nameFilter || a.name === nameFilter)
                .filter((a) => !idFilter || String(a.id) === String(idFilter))
                .map((a) => ({
                  workflow_run_backend_id: a.runBackendId,
                  workflow_job_run_backend_id: a.jobBackendId,
                  database_id: String(a.id),
                  name: a.name,
                  size: a.size ?? '0',
                  created_at: a.createdAt
                }))
            })
          }
          if (method === 'GetSignedArtifactURL') {
            const a = this.artifacts.find(
              (x) =>
                x.finalized && x.name === msg.name && x.runBackendId === msg.workflow_run_backend_id
            )
            if (!a) return json(404, { code: 'not_found', msg: 'no such artifact' })
            return json(200, { signed_url: `${this.url}/download/${a.id}` })
          }
          return json(404, { code: 'bad_route', msg: method })
        }
        const blob = /^\/blob\/(\d+)$/.exec(u.pathname)
        if (req.method === 'PUT' && blob) {
          const a = this.artifacts.find((x) => x.id === Number(blob[1]))
          if (!a || u.searchParams.get('sig') !== 'fake-signature') {
            res.writeHead(403)
            return res.end()
          }
          const comp = u.searchParams.get('comp')
          if (comp === 'block') a.blocks.set(u.searchParams.get('blockid') as string, body)
          else if (comp === 'blocklist') {
            const ids = [
              ...body.toString().matchAll(/<(?:Latest|Uncommitted|Committed)>([^<]+)</g)
            ].map((m) => m[1] as string)
            a.content = Buffer.concat(ids.map((id) => a.blocks.get(id) ?? Buffer.alloc(0)))
          } else a.content = body
          res.writeHead(201, {
            etag: '"0x1"',
            'last-modified': new Date().toUTCString(),
            'x-ms-request-id': 'fake',
            'x-ms-version': '2025-01-05',
            'x-ms-request-server-encrypted': 'true'
          })
          return res.end()
        }
        // GitHub's public REST API, used for artifacts of other runs (findBy). A run's public id N
        // is the backend id "run-backend-N" of the runtime token that uploaded to it.
        const runList = /^\/repos\/([^/]+)\/([^/]+)\/actions\/runs\/(\d+)\/artifacts$/.exec(
          u.pathname
        )
        const zipGet = /^\/repos\/([^/]+)\/([^/]+)\/actions\/artifacts\/(\d+)\/zip$/.exec(
          u.pathname
        )
        if (req.method === 'GET' && (runList || zipGet)) {
          const auth = String(req.headers.authorization ?? '')
          this.publicAuth.push(auth)
          if (!/^(token|Bearer) .+/.test(auth))
            return json(401, { message: 'Requires authentication' })
          if (runList) {
            const name = u.searchParams.get('name')
            const list = this.artifacts.filter(
              (a) =>
                a.finalized &&
                a.runBackendId === `run-backend-${runList[3]}` &&
                (!name || a.name === name)
            )
            return json(200, {
              total_count: list.length,
              artifacts: list.map((a) => ({
                id: a.id,
                name: a.name,
                size_in_bytes: Number(a.size ?? 0),
                created_at: a.createdAt,
                expired: false
              }))
            })
          }
          const a = this.artifacts.find((x) => x.id === Number(zipGet![3]))
          if (!a) return json(404, { message: 'Not Found' })
          res.writeHead(302, { location: `${this.url}/download/${a.id}` })
          return res.end()
        }
        const dl = /^\/download\/(\d+)$/.exec(u.pathname)
        if (req.method === 'GET' && dl) {
          const a = this.artifacts.find((x) => x.id === Number(dl[1]))
          if (!a?.content) {
            res.writeHead(404)
            return res.end()
          }
          res.writeHead(200, {
            'content-type': 'application/zip',
            'content-length': a.content.length
          })
          return res.end(a.content)
        }
        res.writeHead(404)
        res.end()
      })().catch((e: unknown) => {
        res.writeHead(500)
        res.end(String(e))
      })
    })
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r))
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
    return this
  }

  /** The runner variables of a job of run `runId` (public id; backend id "run-backend-<runId>"). */
  env(workspace: string, runId?: number): Record<string, string> {
    return {
      ACTIONS_RUNTIME_TOKEN:
        runId === undefined ? runtimeToken() : runtimeToken(`run-backend-${runId}`),
      ACTIONS_RESULTS_URL: `${this.url}/`,
      GITHUB_API_URL: this.url,
      GITHUB_WORKSPACE: workspace
    }
  }

  async close(): Promise<void> {
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()))
  }
}
