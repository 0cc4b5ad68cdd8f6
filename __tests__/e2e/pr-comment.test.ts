/**
 * On a pull request, dist/index.js posts the dry run's plan as one comment and updates it in place
 * on the next push; against a local fake of GitHub's REST API.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Simulator } from '../../src/simulator/server.js'
import { runAction } from '../helpers/action.js'
import { promoteInputs } from '../helpers/pipeline.js'
import { startDemo } from '../helpers/sim.js'

interface Comment {
  id: number
  body: string
  html_url: string
}

let sim: Simulator
let api: Server
let apiUrl = ''
const comments: Comment[] = []
const calls: string[] = []

beforeAll(async () => {
  api = createServer((req, res) => {
    let body = ''
    req.on('data', (d: Buffer) => (body += d.toString()))
    req.on('end', () => {
      calls.push(`${req.method} ${req.url?.split('?')[0]} ${req.headers.authorization ?? ''}`)
      const send = (status: number, data: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' })
        res.end(JSON.stringify(data))
      }
      const url = req.url ?? ''
      if (req.method === 'GET' && url.startsWith('/repos/acme/data-platform/issues/7/comments'))
        return send(200, comments)
      if (req.method === 'POST' && url === '/repos/acme/data-platform/issues/7/comments') {
        const c = {
          id: 100 + comments.length,
          body: (JSON.parse(body) as { body: string }).body,
          html_url: `https://github.test/acme/data-platform/pull/7#issuecomment-${100 + comments.length}`
        }
        comments.push(c)
        return send(201, c)
      }
      const m = /^\/repos\/acme\/data-platform\/issues\/comments\/(\d+)$/.exec(url)
      if (req.method === 'PATCH' && m) {
        const c = comments.find((x) => x.id === Number(m[1]))
        if (!c) return send(404, { message: 'Not Found' })
        c.body = (JSON.parse(body) as { body: string }).body
        return send(200, c)
      }
      send(404, { message: `no route ${req.method} ${url}` })
    })
  })
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', r))
  apiUrl = `http://127.0.0.1:${(api.address() as { port: number }).port}`
  sim = await startDemo()
})
afterAll(async () => {
  await sim.close()
  await new Promise<void>((r) => api.close(() => r()))
})

it('posts the plan once and updates the same comment on the next push', async () => {
  // someone else's comment is left alone
  comments.push({ id: 1, body: 'Looks good to me', html_url: 'x' })
  const event = join(mkdtempSync(join(tmpdir(), 'qdp-event-')), 'event.json')
  writeFileSync(event, JSON.stringify({ number: 7, pull_request: { number: 7 } }))
  const env = {
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: event,
    GITHUB_API_URL: apiUrl,
    GITHUB_SERVER_URL: 'https://github.com'
  }
  const inputs = promoteInputs(sim, {
    'dry-run': 'true',
    'github-token': 'ghs_fake_token_for_tests_0001'
  }) as Record<string, string>
  const first = await runAction(inputs, env)
  expect(first.code).toBe(0)
  expect(first.stdout).toContain('Release plan posted on pull request #7')
  const second = await runAction(inputs, env)
  expect(second.code).toBe(0)
  expect(second.stdout).toContain('Release plan updated on pull request #7')
  const plans = comments.filter((c) => c.body.startsWith('<!-- qlik-di-promote:plan -->'))
  expect(plans).toHaveLength(1)
  expect(plans[0]!.body).toContain('Release plan: Sales pipeline')
  // updated in place, it says which commit, which run and when
  expect(plans[0]!.body).toMatch(
    /<sub>Plan of commit `0123456` · \[run\]\(https:\/\/github\.com\/acme\/data-platform\/actions\/runs\/4242\) · \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ<\/sub>/
  )
  expect(plans[0]!.body).toMatch(
    /\*\*\d+ task\(s\) changed, \d+ added, \d+ on the target only; \d+ binding\(s\) changed, \d+ added\*\*/
  )
  expect(comments.find((c) => c.id === 1)!.body).toBe('Looks good to me')
  expect(calls.filter((c) => c.startsWith('POST'))).toHaveLength(1)
  expect(calls.filter((c) => c.startsWith('PATCH'))).toHaveLength(1)
  expect(calls.every((c) => c.endsWith('token ghs_fake_token_for_tests_0001'))).toBe(true)
  // the token never reaches the log
  expect(second.stdout.replace(/::add-mask::.*/g, '')).not.toContain(
    'ghs_fake_token_for_tests_0001'
  )
}, 90000)

it('without github-token it says how to get the comment, and does not fail', async () => {
  const event = join(mkdtempSync(join(tmpdir(), 'qdp-event-')), 'event.json')
  writeFileSync(event, JSON.stringify({ pull_request: { number: 7 } }))
  const r = await runAction(promoteInputs(sim, { 'dry-run': 'true' }) as Record<string, string>, {
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: event,
    GITHUB_API_URL: apiUrl
  })
  expect(r.code).toBe(0)
  expect(r.stdout).toContain("set 'github-token' (pull-requests: write) to post it")
}, 60000)
