import type { ActionStatus, QlikApi } from '../../src/qlik/api.js'
import { expectedEnd, waitForAction } from '../../src/pipeline/wait.js'

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
    // at 0.7 s one task ended at 0.6 s: the end is expected at 1.2 s, checked just after it
    expect(checks).toBe(2)
    expect(r.elapsedMs).toBeLessThan(1200 + 400)
  })
})
