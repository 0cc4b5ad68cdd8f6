import { describe, expect, it } from '@jest/globals'
import { z } from 'zod'
import { QLIK_ROUTES } from '../../src/simulator/api/index.js'
import { ADMIN_ROUTES } from '../../src/simulator/api/admin.js'
import { route, type Ctx } from '../../src/simulator/context.js'
import { SimHttpError } from '../../src/simulator/errors.js'
import { compile, match } from '../../src/simulator/router.js'
import type { Project } from '../../src/simulator/state.js'

const project = {
  id: 'p1',
  name: 'Sales',
  tasks: [{ id: 't1', name: 'orders' }]
} as unknown as Project
const ctx = (params: Record<string, string>, body = '', running = false): Ctx =>
  ({
    params,
    body: Buffer.from(body),
    now: 0,
    tenant: { projects: [project] },
    core: {
      engine: { running: () => (running ? [{ id: 'a1', type: 'PROJECT_PREPARE' }] : []) }
    }
  }) as unknown as Ctx

const status = async (f: () => unknown): Promise<number | string> => {
  try {
    await f()
    return 'ok'
  } catch (e) {
    return e instanceof SimHttpError ? e.status : (e as Error).message
  }
}

describe('route tables', () => {
  it('every Qlik route is unique by method and path, and every admin route is under /__simulator/', () => {
    const keys = QLIK_ROUTES.map((r) => `${r.method} ${r.path}`)
    expect(new Set(keys).size).toBe(keys.length)
    expect(
      QLIK_ROUTES.every((r) => r.path.startsWith('/api/v1/') || r.path === '/oauth/token')
    ).toBe(true)
    expect(ADMIN_ROUTES.every((r) => r.path.startsWith('/__simulator/'))).toBe(true)
  })

  it('a handler gets what it declared, checked in order: project, task, body, idle', async () => {
    const r = route(
      'POST /x/:projectId/:dataTaskId',
      {
        tier: 'tier2',
        write: true,
        task: true,
        body: z.strictObject({ n: z.number() }),
        bodyRequired: true,
        idle: true
      },
      (_c, got) => ({ status: 200, json: [got.project.id, got.task.id, got.body.n] })
    )
    expect(await r.handler(ctx({ projectId: 'p1', dataTaskId: 't1' }, '{"n":1}'))).toEqual({
      status: 200,
      json: ['p1', 't1', 1]
    })
    expect(await status(() => r.handler(ctx({ projectId: 'nope', dataTaskId: 't1' })))).toBe(404)
    expect(await status(() => r.handler(ctx({ projectId: 'p1', dataTaskId: 'nope' })))).toBe(404)
    expect(await status(() => r.handler(ctx({ projectId: 'p1', dataTaskId: 't1' }, '')))).toBe(400)
    expect(
      await status(() => r.handler(ctx({ projectId: 'p1', dataTaskId: 't1' }, '{"n":1}', true)))
    ).toBe(409)
  })

  it('reading a need the route did not declare is a simulator bug, said as such', async () => {
    const r = route('GET /x', { tier: 'tier1', write: false }, (_c, got) => ({
      status: 200,
      json: got.project.id
    }))
    expect(await status(() => r.handler(ctx({})))).toBe('route GET /x did not declare project')
  })

  it('matching: parameters decoded; 405 for another method unless told otherwise', () => {
    const table = compile([
      { method: 'GET', path: '/a/:id' },
      { method: 'DELETE', path: '/a/:id' }
    ])
    expect(match(table, 'DELETE', '/a/x%20y').params).toEqual({ id: 'x y' })
    expect(() => match(table, 'POST', '/a/1')).toThrow(/POST is not supported/)
    expect(() => match(table, 'POST', '/a/1', { no405: true, notFound: 'none' })).toThrow('none')
  })
})
