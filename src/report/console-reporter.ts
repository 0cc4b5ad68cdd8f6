import type { Reporter } from '../pipeline/ports.js'
import { oneLine, terminalLines } from './escape.js'

/**
 * Reporter for the CLI: readable progress on stderr, with elapsed time. Every message goes through
 * terminalLines: no data can send an escape sequence to the terminal.
 */
export class ConsoleReporter implements Reporter {
  private readonly start = Date.now()
  constructor(
    private readonly verbose = false,
    private readonly write: (s: string) => void = (s) => process.stderr.write(s)
  ) {}
  private line(prefix: string, m: string): void {
    const t = ((Date.now() - this.start) / 1000).toFixed(1).padStart(6)
    this.write(`${t}s ${prefix}${terminalLines(m)}\n`)
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
    this.line('▶ ', oneLine(name))
    return fn()
  }
}
