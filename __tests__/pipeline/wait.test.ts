import type { ActionStatus, QlikApi } from '../../src/qlik/api.js'
import {
  DEFAULT_WAIT,
  endEstimate,
  expectedEnd,
  pollSchedule,
  waitForAction
} from '../../src/pipeline/wait.js'
import { defaultPolling, fixedPolling, MODEL_PROFILES, simulate } from '../../scripts/poll-model.js'

const t0 = Date.parse('2026-11-23T10:00:00.000Z')
const at = (ms: number): string => new Date(t0 + ms).toISOString()
const task = (state: string, start?: number, end?: number) => ({
  taskId: state,
  name: state,
  state,
  ...(start !== undefined ? { startTime: at(start) } : {}),
  ...(end !== undefined ? { endTime: at(end) } : {})
})
const status = (details: ReturnType<typeof task>[], state = 'EXECUTING'): ActionStatus =>
  ({ state, startTime: at(0), taskDetails: details }) as ActionStatus

describe('the expected end of an action, from its status', () => {
  it('is unknown while PENDING or before a task finished', () => {
    expect(expectedEnd(status([task('PENDING'), task('PENDING')], 'PENDING'))).toBeUndefined()
    expect(expectedEnd(status([task('EXECUTING', 0), task('PENDING')]))).toBeUndefined()
  })

  it('is the running task start + the average task time, + one average per pending task', () => {
    // tasks took 1 s and 3 s (average 2 s); the third started at 4 s; one more is pending
    const s = status([
      task('COMPLETED', 0, 1000),
      task('COMPLETED', 1000, 4000),
      task('EXECUTING', 4000),
      task('PENDING')
    ])
    expect(expectedEnd(s)).toBe(t0 + 4000 + 2000 + 2000)
  })
})

describe('waitForAction with the estimate', () => {
  it('checks just after the expected end instead of at fixed steps', async () => {
    // a fake API whose action ends at a fixed wall-clock time: 1.2 s from now
    const end = Date.now() + 1200
    const start = Date.now()
    let checks = 0
    const api = {
      tenant: 'target',
      actionStatus: async (): Promise<ActionStatus> => {
        checks += 1
        const now = Date.now()
        const first = start
        const mid = start + 600
        if (now >= end)
          return { state: 'COMPLETED', startTime: new Date(first).toISOString() } as ActionStatus
        return {
          state: 'EXECUTING',
          startTime: new Date(first).toISOString(),
          taskDetails:
            now >= mid
              ? [
                  {
                    state: 'COMPLETED',
                    startTime: new Date(first).toISOString(),
                    endTime: new Date(mid).toISOString()
                  },
                  { state: 'EXECUTING', startTime: new Date(mid).toISOString() }
                ]
              : [
                  { state: 'EXECUTING', startTime: new Date(first).toISOString() },
                  { state: 'PENDING' }
                ]
        } as ActionStatus
      }
    } as unknown as QlikApi
    const r = await waitForAction(api, 'a1', 'Import', {
      firstDelayMs: 700,
      maxDelayMs: 10_000,
      factor: 1.05,
      estimate: true,
      floorMs: 100,
      timeoutMs: 10_000,
      sleep: (ms) => new Promise((res) => setTimeout(res, ms)),
      now: () => Date.now(),
      log: () => {}
    })
    expect(r.status.state).toBe('COMPLETED')
    // at 0.7 s one task ended at 0.6 s: the end is expected at 1.2 s +- 0.13 s; the next check
    // comes where that window opens (1.07 s), the one after a step later, past the end
    expect(checks).toBe(3)
    expect(r.elapsedMs).toBeLessThan(1200 + 400)
  })
})

describe('the uncertainty of the expected end', () => {
  it('assumes tasks vary by 20% until two task times are known', () => {
    const s = status([task('COMPLETED', 0, 1000), task('EXECUTING', 1000), task('PENDING')])
    // 2 tasks left, 1 measured: 0.2 * 1000 * sqrt(2 + 0.1 * 4 / 1)
    expect(endEstimate(s)).toEqual({
      end: t0 + 3000,
      sigma: expect.closeTo(200 * Math.sqrt(2.4), 6)
    })
  })
  it('measures the variation once tasks differ, and narrows as tasks finish', () => {
    const early = endEstimate(
      status([
        task('COMPLETED', 0, 1000),
        task('COMPLETED', 1000, 4000),
        task('EXECUTING', 4000),
        task('PENDING'),
        task('PENDING')
      ])
    )!
    // times 1 s and 3 s: mean 2 s, sd 1.41 s (cv 0.71), 3 tasks left
    expect(early.sigma).toBeCloseTo(Math.SQRT2 * 1000 * Math.sqrt(3 + (0.1 * 9) / 2), 0)
    const late = endEstimate(
      status([
        task('COMPLETED', 0, 1000),
        task('COMPLETED', 1000, 4000),
        task('COMPLETED', 4000, 6000),
        task('COMPLETED', 6000, 8000),
        task('EXECUTING', 8000)
      ])
    )!
    expect(late.sigma).toBeLessThan(early.sigma)
  })
  it('is unknown before a task finished', () => {
    expect(endEstimate(status([task('EXECUTING', 0), task('PENDING')]))).toBeUndefined()
  })
})

describe('the default schedule', () => {
  const next = (s: ActionStatus, nowMs: number, elapsedMs = nowMs): number =>
    pollSchedule({ firstDelayMs: 2000, ...DEFAULT_WAIT }).next(s, t0 + nowMs, elapsedMs)

  it('is sparse far from the end: the next check where the uncertain window opens', () => {
    // 10 s tasks, the second of four started at 10 s: end at 40 s; at 12 s the check goes 10 s on
    const s = status([
      task('COMPLETED', 0, 10_000),
      task('EXECUTING', 10_000),
      task('PENDING'),
      task('PENDING')
    ])
    const { end, sigma } = endEstimate(s)!
    expect(end).toBe(t0 + 40_000)
    expect(next(s, 12_000)).toBe(10_000) // capped at 10 s
    expect(next(s, 35_000)).toBeCloseTo(end - sigma - t0 - 35_000, 3)
  })
  it('is dense inside the window: one sigma or a tenth of the time run, at most 1 s', () => {
    const s = status([
      task('COMPLETED', 0, 10_000),
      task('COMPLETED', 10_000, 20_000),
      task('COMPLETED', 20_000, 30_000),
      task('EXECUTING', 30_000)
    ])
    // end 40 s, sigma 0.2 * 10 s * sqrt(1 + 0.1 / 3) = 2.03 s: at 39 s, 1 s (the cap)
    expect(next(s, 39_000)).toBe(1000)
    // a short action: tasks of 1 s, the last started at 3 s: end 4 s +- 0.2 s, so the window
    // opens half a sigma before, at 3.9 s
    const short = status([
      task('COMPLETED', 0, 1000),
      task('COMPLETED', 1000, 2000),
      task('COMPLETED', 2000, 3000),
      task('EXECUTING', 3000)
    ])
    expect(next(short, 3_900, 8_000)).toBe(800) // a tenth of the 8 s run since the request
    expect(next(short, 3_900, 1_000)).toBe(500) // never under the floor
    // earlier, the next check goes to where the window opens: 4 s - 0.5 * 0.203 s
    expect(next(short, 3_000, 3_000)).toBeCloseTo(4_000 - 0.5 * 203.3 - 3_000, 0)
  })
  it('spreads out again once the end is far overdue', () => {
    const s = status([task('COMPLETED', 0, 10_000), task('EXECUTING', 10_000)])
    // expected at 20 s +- 2.1 s; at 60 s, 40 s overdue: a quarter of that, capped at 10 s
    expect(next(s, 60_000)).toBe(10_000)
    expect(next(s, 30_000)).toBe(2500)
  })
  it('waits to learn one task time: three times the running task age while more tasks follow', () => {
    const s = status([task('EXECUTING', 500), task('PENDING')])
    expect(next(s, 2000)).toBe(4500)
  })
  it('with one task and nothing to learn from, never notices later than a quarter of the run', () => {
    const s = status([task('EXECUTING', 500)])
    expect(next(s, 8000)).toBe(2000)
  })
})

describe('the default polling on many simulated actions (scripts/poll-model.ts)', () => {
  // the benchmark's profiles: fewer checks than polling every 2 s AND the end noticed sooner
  const profile = (name: string) => MODEL_PROFILES.find((p) => p.name === name)!
  it.each([
    ['short, 6 s (4 tasks)', 0.5],
    ['short, 15 s (4 tasks)', 0.5],
    ['short, 6 s (2 tasks)', 0.5],
    ['short, 15 s (8 tasks)', 0.5],
    ['long, 1 min (4 tasks)', 0.5],
    ['long, 3 min (10 tasks)', 0.2]
  ])('%s, durations +-%s: beats fixed 2 s on checks and lateness', (name, spread) => {
    const d = simulate(defaultPolling, profile(name), spread, 1000)
    const f = simulate(fixedPolling(2000), profile(name), spread, 1000)
    expect(d.checks).toBeLessThan(f.checks)
    expect(d.meanLateMs).toBeLessThan(f.meanLateMs)
  })
  it('the model can tell a worse policy: fixed 2 s does not beat itself, and 10 s is late', () => {
    const p = profile('long, 1 min (4 tasks)')
    const f2 = simulate(fixedPolling(2000), p, 0.5, 300)
    const f10 = simulate(fixedPolling(10_000), p, 0.5, 300)
    expect(f10.checks).toBeLessThan(f2.checks)
    expect(f10.meanLateMs).toBeGreaterThan(3 * f2.meanLateMs)
  })
})
