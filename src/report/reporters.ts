import * as core from '@actions/core'
import type { Annotation, Reporter } from '../pipeline/ports.js'

/** Reporter for the action: log groups, annotations for warnings and errors. */
export class ActionReporter implements Reporter {
  info(m: string): void {
    core.info(m)
  }
  warning(m: string, a?: Annotation): void {
    core.warning(m, a?.title ? { title: a.title } : {})
  }
  error(m: string, a?: Annotation): void {
    core.error(m, a?.title ? { title: a.title } : {})
  }
  debug(m: string): void {
    core.debug(m)
  }
  group<T>(name: string, fn: () => Promise<T>): Promise<T> {
    return core.group(name, fn)
  }
}

/** Reporter for the CLI: readable progress on stderr, with elapsed time. */
export class ConsoleReporter implements Reporter {
  private readonly start = Date.now()
  constructor(
    private readonly verbose = false,
    private readonly write: (s: string) => void = (s) => process.stderr.write(s)
  ) {}
  private line(prefix: string, m: string): void {
    const t = ((Date.now() - this.start) / 1000).toFixed(1).padStart(6)
    this.write(`${t}s ${prefix}${m}\n`)
  }
  info(m: string): void {
    this.line('  ', m)
  }
  warning(m: string): void {
    this.line('  warning: ', m)
  }
  error(m: string): void {
    this.line('  error: ', m)
  }
  debug(m: string): void {
    if (this.verbose) this.line('  debug: ', m)
  }
  async group<T>(name: string, fn: () => Promise<T>): Promise<T> {
    this.line('▶ ', name)
    return fn()
  }
}
