import type { Annotation, Reporter } from './ports.js'

/**
 * Secrets of a run (credentials, tokens, every value a `${ENV}` placeholder expanded to) kept out of
 * everything the run writes for people: log lines, the job summary, the report, plans, issues, the
 * CLI's output. The runner masks its own log with `::add-mask::`, but not the summary or the files;
 * the CLI has no mask at all. A value from the environment is shown as its placeholder
 * (`${DB_PASSWORD}`), as a backup already keeps it; a credential as `***`.
 */
export class Redactor {
  private readonly labels = new Map<string, string>()
  private pattern: RegExp | undefined

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  /** A secret of the run: from now on it never appears in clear. Short values would hide words. */
  add(secret: string): void {
    if (secret.length < 4 || this.labels.has(secret)) return
    const name = Object.keys(this.env).find(
      (k) => this.env[k] === secret && /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) && !k.startsWith('INPUT_')
    )
    this.labels.set(secret, name ? `\${${name}}` : '***')
    // longest first: a secret that contains another is replaced whole
    const escaped = [...this.labels.keys()]
      .sort((a, b) => b.length - a.length)
      .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    this.pattern = new RegExp(escaped.join('|'), 'g')
  }

  text(s: string): string {
    return this.pattern ? s.replace(this.pattern, (m) => this.labels.get(m) ?? '***') : s
  }

  /**
   * A copy of a value (a report) with every string redacted, but under the keys in `keep`, copied
   * as they are (a plan's fingerprint: digests a secret of hex digits could match and change).
   */
  value<T>(v: T, keep: ReadonlySet<string> = new Set()): T {
    if (!this.pattern) return v
    const walk = (x: unknown): unknown => {
      if (typeof x === 'string') return this.text(x)
      if (Array.isArray(x)) return x.map(walk)
      if (x && typeof x === 'object') {
        const out: Record<string, unknown> = {}
        for (const [k, y] of Object.entries(x))
          Object.defineProperty(out, this.text(k), {
            value: keep.has(k) ? y : walk(y),
            enumerable: true,
            writable: true,
            configurable: true
          })
        return out
      }
      return x
    }
    return walk(v) as T
  }

  /** The reporter with every message redacted. */
  reporter(inner: Reporter): Reporter {
    return {
      info: (m) => inner.info(this.text(m)),
      warning: (m, a?: Annotation) => inner.warning(this.text(m), a),
      error: (m, a?: Annotation) => inner.error(this.text(m), a),
      debug: (m) => inner.debug(this.text(m)),
      group: (name, fn) => inner.group(this.text(name), fn),
      // a terminal's status line is redacted like every other line, and kept only where it exists
      ...(inner.status ? { status: (m: string) => inner.status?.(this.text(m)) } : {})
    }
  }
}
