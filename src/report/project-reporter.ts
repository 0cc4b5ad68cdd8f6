import type { Annotation, Reporter } from '../pipeline/ports.js'

/**
 * The log of one project of a set: every line carries the project's name. Projects that run side by
 * side cannot share the runner's log groups (a group is one span of the log, and their lines
 * interleave), so there a step is a plain line "[name] > step"; one at a time, the steps fold as
 * groups named with the project.
 */
export class ProjectReporter implements Reporter {
  private readonly tag: string
  /** One project at a time may own the terminal's status line; side by side, they would fight over it. */
  readonly status?: (m: string) => void
  constructor(
    private readonly inner: Reporter,
    name: string,
    private readonly sideBySide: boolean
  ) {
    this.tag = `[${name}]`
    const status = inner.status?.bind(inner)
    if (status && !sideBySide) this.status = (m) => status(this.lines(m))
  }
  info(m: string): void {
    this.inner.info(this.lines(m))
  }
  warning(m: string, a?: Annotation): void {
    this.inner.warning(this.lines(m), a)
  }
  error(m: string, a?: Annotation): void {
    this.inner.error(this.lines(m), a)
  }
  debug(m: string): void {
    this.inner.debug(this.lines(m))
  }
  async group<T>(name: string, fn: () => Promise<T>): Promise<T> {
    if (!this.sideBySide) return this.inner.group(`${this.tag} ${name}`, fn)
    this.inner.info(`${this.tag} > ${name}`)
    return fn()
  }
  /** The tag on every line of a message, so that interleaved multi-line messages stay readable. */
  private lines(m: string): string {
    return m
      .split('\n')
      .map((l) => `${this.tag} ${l}`)
      .join('\n')
  }
}
