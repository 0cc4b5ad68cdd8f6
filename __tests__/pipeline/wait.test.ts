import type { ActionStatus, QlikApi } from '../../src/qlik/api.js'
import { DEFAULT_WAIT, pollSchedule, waitForAction } from '../../src/pipeline/wait.js'
import { BASE_CAP_MS, ELAPSED_SHARE, predictEnd } from '../../src/pipeline/poll-policy.js'
import {
  defaultPolling,
  fixedPolling,
  idle,
  MODEL_PROFILES,
  simulate,
  statusAt
} from '../../scripts/poll-model.js'

/** What Qlik says: the state and the task counts, nothing else. */
const status = (state: string, completed: number, executing: number, pending: number) =>
  ({
    state,
    taskProgress: { completed, executing, pending, failed: 0, canceled: 0, skipped: 0 }
  }) as ActionStatus

describe('waitForAction with the estimate', () => {
  it('checks near the end the task counts predict, from its own clock', async () => {
    // a fake API whose action's first task ends 0.6 s from now, the second at 1.2 s
    const start = Date.now()
    const end = start + 1200
    let checks = 0
    const api = {
      tenant: 'target',
      actionStatus: async (): Promise<ActionStatus> => {
        checks += 1
        const now = Date.now()
        if (now >= end) return status('COMPLETED', 2, 0, 0)
        return now >= start + 600 ? status('EXECUTING', 1, 1, 0) : status('EXECUTING', 0, 1, 1)
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
    // at 0.7 s one of two tasks has ended (between 0 and 0.7 s): the end is expected at 0.7 s
    // +- 0.4 s; the checks come at the floor (0.1 s) until the end is seen
    expect(r.elapsedMs).toBeGreaterThanOrEqual(1200)
    expect(r.elapsedMs).toBeLessThan(1200 + 400)
    expect(checks).toBeLessThan(12)
  })
})

describe('the expected end, from the checks this client made', () => {
  const seen = (...xs: Array<[number, string, number, number, number]>) =>
    xs.map(([at, state, done, executing, pending]) => ({
      at,
      state,
      done,
      executing,
      total: done + executing + pending
    }))

  it('is unknown while PENDING, before a task ended, with one task, or with tasks side by side', () => {
    expect(predictEnd(seen([2000, 'PENDING', 0, 0, 4]))).toBeUndefined()
    expect(predictEnd(seen([2000, 'EXECUTING', 0, 1, 3]))).toBeUndefined()
    expect(predictEnd(seen([2000, 'EXECUTING', 0, 1, 0]))).toBeUndefined()
    expect(
      predictEnd(seen([2000, 'EXECUTING', 0, 4, 0], [4000, 'EXECUTING', 2, 2, 0]))
    ).toBeUndefined()
  })

  it('takes each instant as the middle of the checks around it, and the tasks left at that pace', () => {
    // running seen at 1 s (after 0 s), one of four ended between 3 and 5 s: 3 s a task from 0.5 s
    const p = predictEnd(
      seen([1000, 'EXECUTING', 0, 1, 3], [3000, 'EXECUTING', 0, 1, 3], [5000, 'EXECUTING', 1, 1, 2])
    )!
    expect(p.end).toBeCloseTo(4000 + 3 * 3500, 6)
    // later completions seen more closely narrow it
    const later = predictEnd(
      seen(
        [1000, 'EXECUTING', 0, 1, 3],
        [3000, 'EXECUTING', 0, 1, 3],
        [5000, 'EXECUTING', 1, 1, 2],
        [11_000, 'EXECUTING', 2, 1, 1],
        [11_500, 'EXECUTING', 3, 1, 0]
      )
    )!
    expect(later.sigma).toBeLessThan(p.sigma)
  })
})

describe('the default schedule', () => {
  const run = (...steps: Array<[ActionStatus, number]>): number[] => {
    const s = pollSchedule({ firstDelayMs: 2000, ...DEFAULT_WAIT })
    return steps.map(([st, at]) => s.next(st, at))
  }

  it('without a prediction: a share of the time run, at least 1 s (two floors), at most 5.5 s', () => {
    expect(run([status('PENDING', 0, 0, 3), 2000])).toEqual([1000])
    expect(run([status('EXECUTING', 0, 1, 0), 40_000])).toEqual([ELAPSED_SHARE * 40_000])
    expect(run([status('EXECUTING', 0, 1, 0), 600_000])).toEqual([BASE_CAP_MS])
    // side by side: the counts tell nothing either
    expect(run([status('EXECUTING', 0, 8, 0), 30_000])).toEqual([ELAPSED_SHARE * 30_000])
  })

  it('learns the first task: waits as long as the running task has run while more tasks follow', () => {
    expect(run([status('EXECUTING', 0, 1, 3), 2000], [status('EXECUTING', 0, 1, 3), 5000])).toEqual(
      [1000, 3000]
    )
  })

  it('jumps to where the uncertain window opens, then checks densely, then gives up the prediction', () => {
    const s = pollSchedule({ firstDelayMs: 2000, ...DEFAULT_WAIT })
    s.next(status('EXECUTING', 0, 1, 9), 2000)
    s.next(status('EXECUTING', 0, 1, 9), 20_000)
    // one of ten tasks ended between 20 and 30 s: about 24 s a task, the end far away
    expect(s.next(status('EXECUTING', 1, 1, 8), 30_000)).toBe(DEFAULT_WAIT.maxDelayMs)
    const p = predictEnd([
      { at: 2000, state: 'EXECUTING', done: 0, executing: 1, total: 10 },
      { at: 20_000, state: 'EXECUTING', done: 0, executing: 1, total: 10 },
      { at: 30_000, state: 'EXECUTING', done: 1, executing: 1, total: 10 },
      { at: 40_000, state: 'EXECUTING', done: 1, executing: 1, total: 10 }
    ])!
    const inWindow = s.next(status('EXECUTING', 1, 1, 8), 40_000)
    expect(inWindow).toBeLessThanOrEqual(DEFAULT_WAIT.maxDelayMs)
    expect(p.end).toBeGreaterThan(200_000)
    // far past any plausible end: back to a share of the time run
    expect(s.next(status('EXECUTING', 1, 1, 8), 2_000_000)).toBe(BASE_CAP_MS)
  })

  it('never checks more than twice a second', () => {
    const s = pollSchedule({ firstDelayMs: 2000, ...DEFAULT_WAIT })
    for (let t = 0; t < 60_000; t += 250)
      expect(s.next(status('EXECUTING', Math.floor(t / 1000), 1, 100), t)).toBeGreaterThanOrEqual(
        500
      )
  })
})

describe('the model feeds only what Qlik says', () => {
  it('the state and the task counts, one by one or side by side', () => {
    expect(statusAt(100, 500, [1000, 1000]).s).toEqual(status('PENDING', 0, 0, 2))
    expect(statusAt(1600, 500, [1000, 1000]).s).toEqual(status('EXECUTING', 1, 1, 0))
    expect(statusAt(1600, 500, [1000, 1000], true)).toEqual({
      s: status('COMPLETED', 2, 0, 0),
      done: true
    })
  })
})

describe('the default polling on many modelled actions (scripts/poll-model.ts)', () => {
  const profile = (name: string) => MODEL_PROFILES.find((p) => p.name === name)!
  const TRIALS = 1000
  it.each(MODEL_PROFILES.map((p) => [p.name]))('%s: the lateness targets', (name) => {
    const p = profile(name)
    const d = simulate(defaultPolling, p, 0.5, TRIALS)
    const length = p.pendingMs + p.taskMs * (p.parallel ? 1.4 : p.tasks)
    // 6 s one by one: a third of a second (three actions within 1 s); with nothing to learn from
    // at most a check a second, so about half a second; 30 s: 0.75 s; minutes: 3 s
    const target = length < 10_000 ? (idle(p) ? 600 : 333) : length < 60_000 ? 750 : 3000
    expect(d.meanLateMs).toBeLessThan(target)
    // with nothing to learn from, at most one check a second on average
    if (idle(p)) expect(d.perSecond).toBeLessThanOrEqual(1)
  })
  it('30 s actions whose tasks end together: at most 1 check a second, at most 0.75 s late', () => {
    const p = profile('30 s, both tasks end together')
    const d = simulate(defaultPolling, p, 0.5, TRIALS)
    expect(d.perSecond).toBeLessThanOrEqual(1)
    expect(d.meanLateMs).toBeLessThanOrEqual(750)
    // about what a fixed 1 s interval gives, which checks as often
    const f1 = simulate(fixedPolling(1000), p, 0.5, TRIALS)
    expect(d.checks).toBeLessThanOrEqual(f1.checks)
  })
  it.each([['30 s, 8 tasks one by one'], ['3 min, 10 tasks one by one']])(
    '%s: fewer checks than fixed 2 s',
    (name) => {
      const d = simulate(defaultPolling, profile(name), 0.5, TRIALS)
      const f = simulate(fixedPolling(2000), profile(name), 0.5, TRIALS)
      expect(d.checks).toBeLessThan(f.checks)
    }
  )
  it('6 s actions: later than 2 s is not, at the price of more checks (said in the README)', () => {
    const d = simulate(defaultPolling, profile('6 s, 4 tasks one by one'), 0.5, TRIALS)
    const f = simulate(fixedPolling(2000), profile('6 s, 4 tasks one by one'), 0.5, TRIALS)
    expect(d.meanLateMs).toBeLessThan(f.meanLateMs / 3)
    expect(d.checks).toBeGreaterThan(f.checks)
  })
  it('the model can tell a worse policy: 10 s is late', () => {
    const p = profile('30 s, 8 tasks one by one')
    const f2 = simulate(fixedPolling(2000), p, 0.5, 300)
    const f10 = simulate(fixedPolling(10_000), p, 0.5, 300)
    expect(f10.checks).toBeLessThan(f2.checks)
    expect(f10.meanLateMs).toBeGreaterThan(3 * f2.meanLateMs)
  })
})

describe('a long wait in the log', () => {
  const statusOf = status
  /** A 70 s import that reports the same state and counts until it ends, on a virtual clock. */
  async function wait70s(
    log: (t: number, line: string) => void,
    status?: (t: number, line: string) => void
  ): Promise<void> {
    let t = 0
    const api = {
      tenant: 'target',
      actionStatus: async (): Promise<ActionStatus> =>
        t >= 70_000 ? statusOf('COMPLETED', 1, 0, 0) : statusOf('EXECUTING', 0, 1, 0)
    } as unknown as QlikApi
    await waitForAction(api, 'a1', 'Import', {
      firstDelayMs: 2000,
      ...DEFAULT_WAIT,
      timeoutMs: 600_000,
      sleep: async (ms) => {
        t += ms
      },
      now: () => t,
      log: (line) => log(t, line),
      ...(status ? { status: (line: string) => status(t, line) } : {})
    })
  }

  it('says where the action is at least every 30 s, even when nothing changes', async () => {
    const lines: Array<[number, string]> = []
    await wait70s((t, line) => lines.push([t, line]))
    const at = lines.map(([when]) => when)
    const gaps = at.slice(1).map((x, i) => x - (at[i] as number))
    expect(Math.max(at[0] as number, ...gaps)).toBeLessThanOrEqual(30_000 + DEFAULT_WAIT.maxDelayMs)
    expect(
      lines.filter(([, l]) => l.startsWith('Import: still EXECUTING')).length
    ).toBeGreaterThanOrEqual(2)
    expect(lines.at(-1)?.[1]).toMatch(/^Import: COMPLETED/)
  })

  it('on a terminal, one live status line at each check replaces the heartbeat lines', async () => {
    const lines: string[] = []
    const live: Array<[number, string]> = []
    await wait70s(
      (_t, line) => lines.push(line),
      (t, line) => live.push([t, line])
    )
    expect(lines.some((l) => l.includes('still'))).toBe(false)
    expect(lines[0]).toMatch(/^Import: EXECUTING/)
    expect(lines.at(-1)).toMatch(/^Import: COMPLETED/)
    // the status line moves with the wait: never more than the longest interval between updates
    const gaps = live.slice(1).map(([x], i) => x - (live[i] as [number, string])[0])
    expect(Math.max(...gaps)).toBeLessThanOrEqual(DEFAULT_WAIT.maxDelayMs)
    expect(live.at(-1)?.[1]).toMatch(/^Import: EXECUTING \(tasks: .*\), \d+ s$/)
  })
})
