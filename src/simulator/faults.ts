import { faultSchema, formatPath, type FaultRule, type FaultRuleInput } from './config.js'

/**
 * Fault injection. A rule matches requests by tenant, method, path substring and path regex;
 * it lets `after` matching requests through, then applies to `times` requests (or all).
 */

interface ActiveRule extends FaultRule {
  id: string
  seen: number
  applied: number
}

export interface FaultMatch {
  rule: FaultRule & { id: string }
}

let counter = 0

function pathMatcher(rule: FaultRule): (p: string) => boolean {
  const rx = rule.pathRegex !== undefined ? new RegExp(rule.pathRegex) : undefined
  const sub = rule.path
  return (p) => (sub === undefined || p.includes(sub)) && (rx === undefined || rx.test(p))
}

export class FaultSet {
  private rules: Array<ActiveRule & { test: (p: string) => boolean }> = []

  /** Add a rule (validated); answers its id. */
  add(input: FaultRuleInput): string {
    const parsed = faultSchema.safeParse(input)
    if (!parsed.success) {
      const msg = parsed.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join('; ')
      throw new Error(`invalid fault rule: ${msg}`)
    }
    const rule = parsed.data
    const id = rule.id ?? `fault-${++counter}`
    this.rules.push({
      ...rule,
      id,
      seen: 0,
      applied: 0,
      test: pathMatcher(rule)
    })
    return id
  }

  remove(id: string): boolean {
    const before = this.rules.length
    this.rules = this.rules.filter((r) => r.id !== id)
    return this.rules.length !== before
  }

  clear(): void {
    this.rules = []
  }

  list(): Array<FaultRule & { id: string; applied: number }> {
    return this.rules.map(({ test: _t, seen: _s, ...r }) => r)
  }

  /** The first rule that applies to this request, counting it as used. */
  match(tenant: string, method: string, path: string): FaultMatch | undefined {
    for (const r of this.rules) {
      if (r.tenant !== undefined && r.tenant !== tenant) continue
      if (r.method !== undefined && r.method !== method) continue
      if (!r.test(path)) continue
      if (r.times !== undefined && r.applied >= r.times) continue
      r.seen += 1
      if (r.seen <= r.after) continue
      r.applied += 1
      const { test: _t, seen: _s, applied: _a, ...rule } = r
      return { rule }
    }
    return undefined
  }
}
