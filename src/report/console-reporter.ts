import type { Reporter } from '../pipeline/ports.js'
import { oneLine, terminalLines } from '../text/escape.js'

/**
 * Colour on a terminal only: never into a file or a pipe, never with NO_COLOR set (no-color.org)
 * or TERM=dumb. FORCE_COLOR turns it on where a CI log renders it.
 */
export function useColour(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true
  return stream.isTTY === true && env.TERM !== 'dumb'
}

/**
 * A live status line only on an interactive terminal: not in a file or a pipe, not with TERM=dumb,
 * not in CI (whose logs keep every carriage return). Its width is read at each update.
 */
export function liveLine(
  stream: { isTTY?: boolean; columns?: number },
  env: NodeJS.ProcessEnv
): { columns: () => number } | undefined {
  if (stream.isTTY !== true || env.TERM === 'dumb' || (env.CI ?? '') !== '') return undefined
  return { columns: () => stream.columns || 80 }
}

/** Our own escape sequences, around text that terminalLines has already made inert. */
export const paint = {
  bold: (s: string) => `\u001b[1m${s}\u001b[22m`,
  dim: (s: string) => `\u001b[2m${s}\u001b[22m`,
  red: (s: string) => `\u001b[31m${s}\u001b[39m`,
  green: (s: string) => `\u001b[32m${s}\u001b[39m`,
  yellow: (s: string) => `\u001b[33m${s}\u001b[39m`
}
const plain = (s: string): string => s

/**
 * Reporter for the CLI: readable progress on stderr, with elapsed time. Every message goes through
 * terminalLines: no data can send an escape sequence to the terminal (the colours, on a terminal,
 * are ours, around it).
 */
export class ConsoleReporter implements Reporter {
  private readonly start = Date.now()
  /** Whether the terminal's last line is our status line (the next message clears it). */
  private showing = false
  readonly status?: (m: string) => void
  constructor(
    private readonly verbose = false,
    private readonly write: (s: string) => void = (s) => process.stderr.write(s),
    private readonly colour = false,
    /** A terminal (not a file, a pipe or TERM=dumb): its width; one live status line replaces heartbeats. */
    live?: { columns: () => number }
  ) {
    if (live) this.status = (m) => this.live(m, live.columns())
  }
  private elapsed(): string {
    return ((Date.now() - this.start) / 1000).toFixed(1).padStart(6)
  }
  private live(m: string, columns: number): void {
    const text = `${this.elapsed()}s   ${oneLine(terminalLines(m))}`
    const fit = text.length > columns - 1 ? `${text.slice(0, Math.max(0, columns - 2))}…` : text
    this.write(`\r\u001b[2K${this.colour ? paint.dim(fit) : fit}`)
    this.showing = true
  }
  private line(prefix: string, m: string, tint: (s: string) => string = plain): void {
    if (this.showing) {
      this.write('\r\u001b[2K')
      this.showing = false
    }
    const t = this.elapsed()
    const c = this.colour ? tint : plain
    this.write(
      `${this.colour ? paint.dim(`${t}s`) : `${t}s`} ${c(`${prefix}${terminalLines(m)}`)}\n`
    )
  }
  info(m: string): void {
    this.line('  ', m)
  }
  warning(m: string): void {
    this.line('  warning: ', m, paint.yellow)
  }
  error(m: string): void {
    this.line('  error: ', m, paint.red)
  }
  debug(m: string): void {
    if (this.verbose) this.line('  debug: ', m, paint.dim)
  }
  async group<T>(name: string, fn: () => Promise<T>): Promise<T> {
    this.line('▶ ', oneLine(name), paint.bold)
    return fn()
  }
}
