import { describe, expect, it } from '@jest/globals'
import { QLIK_ROUTES } from '../../src/simulator/api/index.js'
import { RequestBudget, tierOf, type BudgetClock } from '../../src/qlik/budget.js'

/** A clock that moves only when someone sleeps. */
function virtualClock(): BudgetClock & { t: number; slept: number[] } {
  const c = {
    t: 0,
    slept: [] as number[],
    now: () => c.t,
    sleep: async (ms: number) => {
      c.slept.push(ms)
      c.t += ms
    }
  }
  return c
}

describe("the run's request budget", () => {
  it('counts each request in the tier Qlik counts it in (the simulator route table agrees)', () => {
    const tiered = QLIK_ROUTES.filter((r) => r.tier !== 'none')
    expect(tiered.length).toBeGreaterThan(20)
    for (const r of tiered) {
      const path = r.path.replace(/:[A-Za-z]+/g, 'x1')
      expect([r.method, r.path, tierOf(r.method, path)]).toEqual([r.method, r.path, r.tier])
    }
  })

  it('sends up to the window budget at once, then waits for the oldest to leave the window, and says so once', async () => {
    const clock = virtualClock()
    const said: string[] = []
    const b = new RequestBudget('t.example', clock, (m) => said.push(m), {
      tier1: 1000,
      tier2: 100,
      runtimeState: 2,
      tasks: 600
    })
    expect(b.limit('runtimeState')).toBe(10)
    await Promise.all(Array.from({ length: 10 }, () => b.take('runtimeState')))
    expect(clock.t).toBe(0)
    await b.take('runtimeState')
    expect(clock.t).toBe(5 * 60_000 + 1000)
    expect(said).toEqual([
      't.example: waiting 301 s before more requests: this run has sent the 10 task runtime state requests Qlik allows per 5 minutes (2/min).'
    ])
    // other tiers were never held
    const before = clock.t
    await b.take('tier1')
    expect(clock.t).toBe(before)
  })

  it('a 429 holds the whole tier for every request sharing the budget', async () => {
    const clock = virtualClock()
    const said: string[] = []
    const b = new RequestBudget('t.example', clock, (m) => said.push(m))
    b.block('tier2', 13)
    await Promise.all([b.take('tier2'), b.take('tier2'), b.take('tier1')])
    expect(clock.slept.filter((ms) => ms === 13_000).length).toBeGreaterThanOrEqual(1)
    expect(said[0]).toContain('waiting 13 s before more requests: Qlik answered 429 on Tier 2')
    expect(said).toHaveLength(1)
  })
})
