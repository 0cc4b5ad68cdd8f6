/**
 * mode drift through the bundles: dist/index.js (outputs, summary, a failed step when drifted) and
 * dist/cli/index.js (`qlik-di-promote drift`, exit 0 / 1 / 2), against a project deployed from the
 * example folder and then changed on the target as a hot fix in the Qlik UI would.
 */
import { createServer } from 'node:http'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { strFromU8, strToU8 } from 'fflate'
import type { Simulator } from '../../src/simulator/server.js'
import { runAction } from '../helpers/action.js'
import { ROOT, runCliBundle } from '../helpers/bundle.js'
import { startDemo, withTenant } from '../helpers/sim.js'

const example = join(ROOT, 'examples', 'project')
const bindingsFile = join(ROOT, 'examples', 'bindings', 'support-prod.yaml')

let sim: Simulator
let target: Record<string, string>
// the drift checks use a read-only key: Qlik (and the simulator) refuse any write with it
const READ_ONLY = 'sim-prod-readonly-key-0001'

beforeEach(async () => {
  sim = await startDemo(
    withTenant('prod', (t) => ({
      apiKeys: [...(t.apiKeys as object[]), { key: READ_ONLY, user: 'auditor', readOnly: true }]
    }))
  )
  const prod = sim.tenantInfo('prod')
  target = {
    'target-tenant': prod.url,
    'target-api-key': prod.apiKey,
    'target-space': 'PROD_PIPELINES',
    'target-project': 'Support',
    'package-dir': example,
    'bindings-file': bindingsFile
  }
  expect((await runAction({ ...target, mode: 'deploy' })).code).toBe(0)
  target['target-api-key'] = READ_ONLY
  sim.clearRequests()
})
afterEach(async () => {
  await sim.close()
})

// in a folder of its own: the command line writes its report into the working directory
const cli = (args: string[], env: Record<string, string>) =>
  runCliBundle(args, mkdtempSync(join(tmpdir(), 'qdp-drift-cli-')), env)

it('the action: no drift passes with drifted=false; a changed task setting fails the step naming the task', async () => {
  const same = await runAction({ ...target, mode: 'drift' })
  expect(same.code).toBe(0)
  expect(same.outputs.drifted).toBe('false')
  expect(same.summary).toContain('No drift: the target equals the package')

  const p = sim.state('prod').projects.find((x) => x.name === 'Support')!
  const file = 'qtcp_tasks/Storage support/task.yaml'
  p.definitionFiles![file] = strToU8(
    strFromU8(p.definitionFiles![file]!).replace(
      'tableUpdateConcurrency: 4',
      'tableUpdateConcurrency: 8'
    )
  )
  const drifted = await runAction({ ...target, mode: 'drift' })
  expect(drifted.code).toBe(1)
  expect(drifted.outputs.drifted).toBe('true')
  expect(drifted.stdout).toContain(
    "::error::Drift: the target differs from the package (1 difference(s)):%0A  task 'Storage support' (storage_support): setting /taskRuntime/tableUpdateConcurrency differs"
  )
  expect(drifted.summary).toContain('## ❌ Drift: 1 difference(s)')
  expect(drifted.outputs['plan-path']).toMatch(/qlik-di-promote-plan\.md$/)
  // reads only: after the deploy, nothing but GETs and the target's export
  expect(
    sim
      .requests({ tenant: 'prod' })
      .filter((r) => r.method !== 'GET' && !r.path.endsWith('/actions/export'))
  ).toEqual([])

  // the command line: exit 1 with each difference, exit 2 for bad input
  const prod = sim.tenantInfo('prod')
  const args = [
    'drift',
    '--target-tenant',
    prod.url,
    '--target-space',
    'PROD_PIPELINES',
    '--target-project',
    'Support',
    '--package-dir',
    example,
    '--bindings-file',
    bindingsFile
  ]
  const c = await cli(args, { QLIK_TARGET_API_KEY: READ_ONLY })
  expect(c.code).toBe(1)
  expect(c.out).toContain('DRIFTED')
  expect(c.out).toContain(
    "task 'Storage support' (storage_support): setting /taskRuntime/tableUpdateConcurrency differs"
  )
  const bad = await cli([...args, '--run-tasks', 'all'], { QLIK_TARGET_API_KEY: READ_ONLY })
  expect(bad.code).toBe(2)
})

it('drift-issue: one issue per target, opened on drift, updated in place, closed when the drift is gone', async () => {
  interface Issue {
    number: number
    title: string
    body: string
    state: string
    html_url: string
    comments: string[]
  }
  const issues: Issue[] = [
    // someone else's issue is left alone
    { number: 1, title: 'Other', body: 'unrelated', state: 'open', html_url: 'x', comments: [] }
  ]
  const api = createServer((req, res) => {
    let body = ''
    req.on('data', (d: Buffer) => (body += d.toString()))
    req.on('end', () => {
      const send = (status: number, data: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' })
        res.end(JSON.stringify(data))
      }
      const url = (req.url ?? '').split('?')[0] as string
      const base = '/repos/acme/data-platform/issues'
      const json = body ? (JSON.parse(body) as Partial<Issue> & { body?: string }) : {}
      if (req.method === 'GET' && url === base)
        return send(
          200,
          issues.filter((i) => i.state === 'open')
        )
      if (req.method === 'POST' && url === base) {
        const i: Issue = {
          number: issues.length + 1,
          title: json.title ?? '',
          body: json.body ?? '',
          state: 'open',
          html_url: `https://github.test/acme/data-platform/issues/${issues.length + 1}`,
          comments: []
        }
        issues.push(i)
        return send(201, i)
      }
      const m = /^\/repos\/acme\/data-platform\/issues\/(\d+)(\/comments)?$/.exec(url)
      const i = m ? issues.find((x) => x.number === Number(m[1])) : undefined
      if (i && req.method === 'PATCH') {
        if (json.body !== undefined) i.body = json.body
        if (json.state !== undefined) i.state = json.state
        return send(200, i)
      }
      if (i && req.method === 'POST' && m?.[2]) {
        i.comments.push(json.body ?? '')
        return send(201, { id: 1 })
      }
      send(404, { message: `no route ${req.method} ${url}` })
    })
  })
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', r))
  const env = { GITHUB_API_URL: `http://127.0.0.1:${(api.address() as { port: number }).port}` }
  const inputs = {
    ...target,
    mode: 'drift',
    'drift-issue': 'true',
    'github-token': 'ghs_fake_token_for_tests_0002'
  }
  try {
    const p = sim.state('prod').projects.find((x) => x.name === 'Support')!
    const file = 'qtcp_tasks/Storage support/task.yaml'
    const original = p.definitionFiles![file]!
    p.definitionFiles![file] = strToU8(
      strFromU8(original).replace('tableUpdateConcurrency: 4', 'tableUpdateConcurrency: 8')
    )
    const first = await runAction(inputs, env)
    expect(first.code).toBe(1)
    expect(first.stdout).toContain('Drift issue for Support opened')
    const second = await runAction(inputs, env)
    expect(second.stdout).toContain('Drift issue for Support updated')
    const mine = issues.filter((i) => i.body.startsWith('<!-- qlik-di-promote:drift '))
    expect(mine).toHaveLength(1)
    expect(mine[0]!.title).toMatch(/^Drift: Support on 127\.0\.0\.1:\d+ differs from git$/)
    expect(mine[0]!.body).toContain(
      "task 'Storage support' (storage_support): setting /taskRuntime/tableUpdateConcurrency differs"
    )
    // fixed on the target: the issue is closed with a word why
    p.definitionFiles![file] = original
    const gone = await runAction(inputs, env)
    expect(gone.code).toBe(0)
    expect(gone.stdout).toContain('Drift issue for Support closed')
    expect(mine[0]!.state).toBe('closed')
    expect(mine[0]!.comments[0]).toContain('The target equals the package again')
    expect(issues[0]).toMatchObject({ body: 'unrelated', state: 'open' })
  } finally {
    await new Promise<void>((r) => api.close(() => r()))
  }
})
