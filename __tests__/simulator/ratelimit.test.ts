import { RateLimiter } from '../../src/simulator/ratelimit.js'

const settings = {
  windowSeconds: 60,
  tier1PerMinute: 5,
  tier2PerMinute: 2,
  runtimeStatePerMinute: 3,
  tasksPerMinute: 10,
  enabled: true
}

describe('rate limiter', () => {
  it('admits a tier budget per window, then answers Retry-After until the window slides', () => {
    const rl = new RateLimiter(settings)
    for (let i = 0; i < 2; i++)
      expect(rl.check('dev', 'k', 'tier2', 1000 + i * 1000)).toEqual({ allowed: true })
    // third request at t=10s: oldest hit (t=1s) leaves the 60 s window at t=61s -> 51 s
    expect(rl.check('dev', 'k', 'tier2', 10_000)).toEqual({ allowed: false, retryAfterSeconds: 51 })
    // rejected requests are not counted: still 51 s minus elapsed time
    expect(rl.check('dev', 'k', 'tier2', 20_500)).toEqual({ allowed: false, retryAfterSeconds: 41 })
    expect(rl.check('dev', 'k', 'tier2', 61_001)).toEqual({ allowed: true })
  })

  it('budgets per minute times the window length (5-minute window)', () => {
    const rl = new RateLimiter({ ...settings, windowSeconds: 300 })
    expect(rl.budget('tier2')).toBe(10)
    expect(rl.budget('tier1')).toBe(25)
    for (let i = 0; i < 10; i++) expect(rl.check('dev', 'k', 'tier2', i).allowed).toBe(true)
    expect(rl.check('dev', 'k', 'tier2', 10).allowed).toBe(false)
  })

  it('keeps tiers, credentials and tenants apart', () => {
    const rl = new RateLimiter(settings)
    rl.check('dev', 'k', 'tier2', 0)
    rl.check('dev', 'k', 'tier2', 0)
    expect(rl.check('dev', 'k', 'tier2', 1).allowed).toBe(false)
    expect(rl.check('dev', 'k', 'tier1', 1).allowed).toBe(true)
    expect(rl.check('dev', 'other', 'tier2', 1).allowed).toBe(true)
    expect(rl.check('prod', 'k', 'tier2', 1).allowed).toBe(true)
  })

  it('never answers a Retry-After below one second, and can be disabled', () => {
    const rl = new RateLimiter(settings)
    rl.check('dev', 'k', 'tier2', 0)
    rl.check('dev', 'k', 'tier2', 0)
    expect(rl.check('dev', 'k', 'tier2', 59_999)).toEqual({ allowed: false, retryAfterSeconds: 1 })
    const off = new RateLimiter({ ...settings, enabled: false })
    for (let i = 0; i < 100; i++) expect(off.check('dev', 'k', 'tier2', 0).allowed).toBe(true)
  })
})
