/**
 * Qlik's rate limits as a budget this run spends, shared by every client of the run that uses the
 * same credential on the same tenant (the projects of a set run side by side): limits are per user
 * per tenant, per tier, evaluated over a 5-minute window, and while a tier is blocked every endpoint
 * of the tier is. A request waits for room in its tier's window instead of being sent into a 429,
 * and a 429 that comes anyway (other users of the credential) blocks the tier for every client for
 * its Retry-After. A wait longer than a few seconds is said, with its reason and length.
 */

export type Tier = 'tier1' | 'tier2' | 'runtimeState' | 'tasks'

/** Requests a minute (../shared/docs/qlik-di-api.md; Tasks API: seed 003). */
export const PER_MINUTE: Readonly<Record<Tier, number>> = {
  tier1: 1000,
  tier2: 100,
  runtimeState: 120,
  tasks: 600
}
export const WINDOW_MS = 5 * 60_000
/** Waits at least this long are logged. */
export const SAY_WAIT_MS = 3000
/** A tier that keeps waiting is said again at most this often. */
export const SAY_AGAIN_MS = 30_000

const TIER_WORDS: Record<Tier, string> = {
  tier1: 'Tier 1 (reads)',
  tier2: 'Tier 2 (writes, exports, actions)',
  runtimeState: 'task runtime state',
  tasks: 'Tasks API'
}

/** The tier of a request, as Qlik counts it. */
export function tierOf(method: string, path: string): Tier {
  if (path.startsWith('/api/v1/tasks')) return 'tasks'
  if (method === 'GET' && /\/di-tasks\/[^/]+\/runtime\/state(\/datasets)?$/.test(path))
    return 'runtimeState'
  return method === 'GET' ? 'tier1' : 'tier2'
}

export interface BudgetClock {
  now(): number
  sleep(ms: number): Promise<void>
}

export class RequestBudget {
  private readonly sent = new Map<Tier, number[]>()
  private readonly blockedUntil = new Map<Tier, number>()
  private readonly said = new Map<Tier, number>()

  // eslint-disable-next-line max-params -- issue 33: to take one named object (known when the rule came in)
  constructor(
    readonly host: string,
    private readonly clock: BudgetClock,
    private readonly say: (message: string) => void = () => {},
    private readonly perMinute: Readonly<Record<Tier, number>> = PER_MINUTE,
    private readonly windowMs = WINDOW_MS
  ) {}

  /** How many requests of a tier one window admits. */
  limit(tier: Tier): number {
    return Math.max(1, Math.floor((this.perMinute[tier] * this.windowMs) / 60_000))
  }

  /** The window in words: "5 minutes". */
  get window(): string {
    return this.windowMs >= 60_000
      ? `${this.windowMs / 60_000} minutes`
      : `${this.windowMs / 1000} s`
  }

  /** How many requests of a tier can be sent now without waiting. */
  available(tier: Tier): number {
    const now = this.clock.now()
    if ((this.blockedUntil.get(tier) ?? 0) > now) return 0
    const recent = (this.sent.get(tier) ?? []).filter((t) => t > now - this.windowMs).length
    return Math.max(0, this.limit(tier) - recent)
  }

  /** Wait until the tier has room, then count one request. */
  async take(tier: Tier): Promise<void> {
    for (;;) {
      const now = this.clock.now()
      const times = this.sent.get(tier) ?? []
      let drop = 0
      while (drop < times.length && (times[drop] as number) <= now - this.windowMs) drop++
      if (drop > 0) times.splice(0, drop)
      this.sent.set(tier, times)
      const blocked = this.blockedUntil.get(tier) ?? 0
      let wait = 0
      let why = ''
      if (blocked > now) {
        wait = blocked - now
        why = `Qlik answered 429 on ${TIER_WORDS[tier]}: every request of the tier waits for its Retry-After`
      } else if (times.length >= this.limit(tier)) {
        // a little after the oldest leaves the window: the tenant's clock counts it on arrival
        wait = (times[0] as number) + this.windowMs + Math.min(1000, this.windowMs / 50) - now
        why = `this run has sent the ${this.limit(tier)} ${TIER_WORDS[tier]} requests Qlik allows per ${this.window} (${this.perMinute[tier]}/min)`
      }
      if (wait <= 0) {
        times.push(now)
        return
      }
      this.tell(tier, wait, why)
      await this.clock.sleep(wait)
    }
  }

  /** A 429 with Retry-After: the whole tier waits, for every client sharing this budget. */
  block(tier: Tier, seconds: number): void {
    const until = this.clock.now() + Math.ceil(seconds * 1000)
    if (until > (this.blockedUntil.get(tier) ?? 0)) this.blockedUntil.set(tier, until)
  }

  /** Say a long wait, then at most every SAY_AGAIN_MS while the tier keeps waiting. */
  private tell(tier: Tier, wait: number, why: string): void {
    if (wait < SAY_WAIT_MS) return
    const now = this.clock.now()
    if (now - (this.said.get(tier) ?? -Infinity) < SAY_AGAIN_MS) return
    this.said.set(tier, now)
    this.say(`${this.host}: waiting ${(wait / 1000).toFixed(0)} s before more requests: ${why}.`)
  }
}

/** One budget per tenant and credential for the whole run. */
export class BudgetRegistry {
  private readonly budgets = new Map<string, RequestBudget>()
  constructor(
    private readonly clock: BudgetClock,
    private readonly say: (message: string) => void,
    private readonly perMinute: Readonly<Record<Tier, number>> = PER_MINUTE,
    private readonly windowMs = WINDOW_MS
  ) {}

  /** `who` identifies the credential (never the secret itself: a client id or a digest). */
  for(host: string, who: string): RequestBudget {
    const key = `${host}\u0000${who}`
    let b = this.budgets.get(key)
    if (!b) {
      b = new RequestBudget(host, this.clock, this.say, this.perMinute, this.windowMs)
      this.budgets.set(key, b)
    }
    return b
  }
}
