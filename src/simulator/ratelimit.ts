/**
 * Qlik's rate limits: per credential, per tenant, per tier, evaluated over a sliding window
 * (5 minutes by default). A tier's budget over the window is its per-minute rate times the window
 * in minutes. Over budget, every endpoint of the tier answers 429 with Retry-After until enough of
 * the window has slid by to admit a request again. Rejected requests are not counted.
 */

export type Tier = 'tier1' | 'tier2' | 'runtimeState' | 'tasks'

export interface RateLimitSettings {
  windowSeconds: number
  tier1PerMinute: number
  tier2PerMinute: number
  runtimeStatePerMinute: number
  tasksPerMinute: number
  enabled: boolean
}

export type Decision = { allowed: true } | { allowed: false; retryAfterSeconds: number }

export class RateLimiter {
  private readonly hits = new Map<string, number[]>()

  constructor(private readonly settings: RateLimitSettings) {}

  perMinute(tier: Tier): number {
    const s = this.settings
    return tier === 'tier1'
      ? s.tier1PerMinute
      : tier === 'tier2'
        ? s.tier2PerMinute
        : tier === 'runtimeState'
          ? s.runtimeStatePerMinute
          : s.tasksPerMinute
  }

  /** The number of requests a tier admits within one window. */
  budget(tier: Tier): number {
    return Math.max(1, Math.floor((this.perMinute(tier) * this.settings.windowSeconds) / 60))
  }

  check(tenant: string, credential: string, tier: Tier, now: number): Decision {
    if (!this.settings.enabled) return { allowed: true }
    const key = `${tenant}\u0000${credential}\u0000${tier}`
    const windowMs = this.settings.windowSeconds * 1000
    const list = (this.hits.get(key) ?? []).filter((t) => t > now - windowMs)
    const budget = this.budget(tier)
    if (list.length >= budget) {
      // The request is admitted again when the oldest hit that keeps us at the budget leaves the window.
      const oldest = list[list.length - budget] as number
      const waitMs = oldest + windowMs - now
      this.hits.set(key, list)
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) }
    }
    list.push(now)
    this.hits.set(key, list)
    return { allowed: true }
  }

  reset(): void {
    this.hits.clear()
  }
}
