import { ActionEngine, type ActionPlan } from '../../src/simulator/engine/actions.js'
import { ManualClock } from '../../src/simulator/clock.js'

const plan = (over: Partial<ActionPlan> = {}): ActionPlan => ({
  type: 'PROJECT_PREPARE',
  name: 'Prepare p',
  tenant: 'dev',
  projectId: 'p1',
  pendingMs: 100,
  taskMs: 50,
  tasks: [
    { taskId: 'a', name: 'A', outcome: 'COMPLETED', info: 'ok' },
    { taskId: 'b', name: 'B', outcome: 'COMPLETED' },
    { taskId: 'c', name: 'C', outcome: 'COMPLETED' }
  ],
  ...over
})

describe('task durations', () => {
  const many = {
    taskMs: 1000,
    tasks: Array.from({ length: 40 }, (_, i) => ({
      taskId: `t${i}`,
      name: `T${i}`,
      outcome: 'COMPLETED' as const
    }))
  }
  it('vary within the spread around taskMs, each task independently, and are equal without one', () => {
    // seeded, so the assertions are deterministic
    const varied = new ActionEngine().create(
      plan({ ...many, taskSpread: 0.5, taskSeed: 't' }),
      0
    ).durations
    expect(Math.min(...varied)).toBeGreaterThanOrEqual(500)
    expect(Math.max(...varied)).toBeLessThanOrEqual(1500)
    expect(new Set(varied).size).toBeGreaterThan(30)
    // independent draws on [500, 1500] differ from their neighbour by ~333 ms on average; a
    // correlated hash had left neighbouring tasks a few ms apart
    const steps = varied.slice(1).map((d, i) => Math.abs(d - (varied[i] as number)))
    expect(steps.reduce((a, b) => a + b, 0) / steps.length).toBeGreaterThan(200)
    expect(new Set(new ActionEngine().create(plan(many), 0).durations)).toEqual(new Set([1000]))
  })
  it('repeat across engines with the same seed (the n-th action per tenant), differ without', () => {
    const run = (seed?: string) => {
      const e = new ActionEngine()
      const p = plan({ ...many, taskSpread: 0.5, ...(seed ? { taskSeed: seed } : {}) })
      return [e.create(p, 0).durations, e.create(p, 0).durations]
    }
    const [a1, a2] = run('bench')
    const [b1, b2] = run('bench')
    expect(b1).toEqual(a1)
    expect(b2).toEqual(a2)
    expect(a2).not.toEqual(a1) // the second action is not a copy of the first
    expect(run('other')[0]).not.toEqual(a1)
    expect(run()[0]).not.toEqual(run()[0])
  })
})

describe('async action state machine', () => {
  it('moves PENDING -> EXECUTING (task by task) -> COMPLETED with timestamps', () => {
    const clock = new ManualClock()
    const engine = new ActionEngine()
    const a = engine.create(plan({ times: true }), clock.now())
    let s = engine.status(a, clock.now(), true)
    expect(s.state).toBe('PENDING')
    expect(s.startTime).toBeNull()
    expect(s.taskProgress).toEqual({
      pending: 3,
      executing: 0,
      completed: 0,
      failed: 0,
      canceled: 0,
      skipped: 0
    })

    clock.advance(100)
    s = engine.status(a, clock.now(), true)
    expect(s.state).toBe('EXECUTING')
    expect(s.startTime).not.toBeNull()
    expect(s.taskProgress).toMatchObject({ pending: 2, executing: 1, completed: 0 })

    clock.advance(60)
    s = engine.status(a, clock.now(), true)
    expect(s.taskProgress).toMatchObject({ pending: 1, executing: 1, completed: 1 })
    expect(s.taskDetails?.[0]).toMatchObject({ taskId: 'a', state: 'COMPLETED', info: 'ok' })
    expect(s.endTime).toBeNull()

    clock.advance(100)
    s = engine.status(a, clock.now(), true)
    expect(s.state).toBe('COMPLETED')
    expect(s.taskProgress).toMatchObject({ completed: 3, pending: 0, executing: 0 })
    expect(s.endTime).toBe(new Date(a.createdAt + 100 + 150).toISOString())
    // Qlik's types give error as an object, never null: a completed action has none
    expect(s).not.toHaveProperty('error')
  })

  it("answers null start and end times by default, as Qlik's tutorial shows", () => {
    const engine = new ActionEngine()
    const a = engine.create(plan(), 0)
    expect(engine.status(a, 10_000, true)).toMatchObject({
      state: 'COMPLETED',
      startTime: null,
      endTime: null
    })
    // no null info or error: absent until there is one (Qlik's types: optional, never null)
    expect(Object.keys(engine.status(a, 120, true).taskDetails?.[0] ?? {}).sort()).toEqual([
      'name',
      'state',
      'taskId'
    ])
  })

  it('runs the tasks at the same time when told: they end together', () => {
    const engine = new ActionEngine()
    const a = engine.create(plan({ parallel: true }), 0)
    expect(engine.status(a, 120, false).taskProgress).toMatchObject({ executing: 3, pending: 0 })
    expect(engine.status(a, 149, false).state).toBe('EXECUTING')
    expect(engine.status(a, 150, false)).toMatchObject({
      state: 'COMPLETED',
      taskProgress: { completed: 3 }
    })
  })

  it('leaves taskDetails null unless detailed', () => {
    const engine = new ActionEngine()
    const a = engine.create(plan(), 0)
    expect(engine.status(a, 10_000, false).taskDetails).toBeNull()
    expect(engine.status(a, 10_000, true).taskDetails).toHaveLength(3)
  })

  it('fails when a task fails, skips the tasks after it, and names the failure', () => {
    const engine = new ActionEngine()
    const a = engine.create(
      plan({
        tasks: [
          { taskId: 'a', name: 'A', outcome: 'COMPLETED' },
          {
            taskId: 'b',
            name: 'B',
            outcome: 'FAILED',
            error: { code: 'X', message: 'conn gone', details: 'd' }
          },
          { taskId: 'c', name: 'C', outcome: 'COMPLETED' }
        ]
      }),
      0
    )
    const s = engine.status(a, 10_000, true)
    expect(s.state).toBe('FAILED')
    expect(s.taskProgress).toMatchObject({ completed: 1, failed: 1, skipped: 1 })
    expect(s.error?.message).toBe('1 of 3 task(s) failed')
    expect(s.error?.details).toContain('B: conn gone')
    expect(s.taskDetails?.[1]?.error).toEqual({ code: 'X', message: 'conn gone', details: 'd' })
    expect(s.taskDetails?.[2]?.state).toBe('SKIPPED')
  })

  it('never finishes when told so, and reports nothing as running after the end otherwise', () => {
    const engine = new ActionEngine()
    const a = engine.create(plan({ neverFinish: true }), 0)
    const s = engine.status(a, 10_000_000, true)
    expect(s.state).toBe('EXECUTING')
    expect(s.taskProgress).toMatchObject({ completed: 2, executing: 1 })
    expect(engine.running('p1', 10_000_000)).toHaveLength(1)
    const b = engine.create(plan({ projectId: 'p2' }), 0)
    expect(engine.running('p2', 50)).toEqual([b])
    expect(engine.running('p2', 10_000)).toEqual([])
  })

  it('settles once, when the action has ended, with per-task outcomes', () => {
    const engine = new ActionEngine()
    const calls: string[] = []
    engine.create(
      plan({
        onSettled: (outcome, tasks) =>
          calls.push(`${outcome}:${tasks.map((t) => t.outcome).join(',')}`)
      }),
      0
    )
    engine.settle(120)
    expect(calls).toEqual([])
    engine.settle(250)
    engine.settle(5000)
    expect(calls).toEqual(['COMPLETED:COMPLETED,COMPLETED,COMPLETED'])
  })

  it('runs a project without tasks for one task slot and completes', () => {
    const engine = new ActionEngine()
    const a = engine.create(plan({ tasks: [] }), 0)
    expect(engine.status(a, 120, false).state).toBe('EXECUTING')
    expect(engine.status(a, 150, false).state).toBe('COMPLETED')
  })
})
