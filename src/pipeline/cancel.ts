import { PipelineError } from './errors.js'
import type { Clock } from './ports.js'

/**
 * Cancellation: a cancelled job (SIGINT from the runner, then SIGTERM 7.5 s later, then SIGKILL 2.5 s
 * after that), Ctrl-C at a terminal. One signal for the whole run, seen where the run waits:
 *
 * - the clock the pipeline, its waits, the HTTP client's retries and the request budget sleep on
 *   refuses to sleep once the run is cancelled, so every wait stops at once;
 * - a step does not start, and a write is not sent (the ledger asks before it sends);
 * - a request already in flight is not aborted: it finishes and its outcome is recorded.
 *
 * Then the run puts back what it can (bindings when no import was sent, tasks it stopped when no
 * action of Qlik's is still running), within a grace period that ends before the runner's SIGTERM,
 * and writes its account. A second signal ends the compensation at once; the account is written
 * all the same.
 */
export class CancelledError extends PipelineError {
  constructor(
    readonly signal: string,
    step: string
  ) {
    super(`The run was cancelled (${signal}) during '${step}': no further write was sent.`, step)
    this.name = 'CancelledError'
  }
}

export const isCancelled = (e: unknown): e is CancelledError => e instanceof CancelledError

/** A write in flight whose answer did not come within the grace period: its outcome is unknown. */
export class InFlightAbandoned extends Error {
  readonly outcomeUnknown = true
  constructor(signal: string) {
    super(
      `the run was cancelled (${signal}) and the answer did not come within the ${GRACE_MS / 1000} s grace period: it may or may not have happened`
    )
    this.name = 'InFlightAbandoned'
  }
}

/** The time compensation may take after the first signal: the runner sends SIGTERM at 7.5 s. */
export const GRACE_MS = 5000

export class Cancellation {
  signal?: string
  /** A second signal: compensation stops, the account is still written. */
  hard = false
  private compensatingSince?: number
  private deadline?: number
  private readonly wakers = new Set<() => void>()
  /**
   * Where the run is, for the message ("during 'Import the package'"). A pipeline passes its own
   * step to `check` (the projects of a set run side by side).
   */
  step = 'the run'

  constructor(private readonly now: () => number = Date.now) {}

  get cancelled(): boolean {
    return this.signal !== undefined
  }

  /** A signal arrived: the first cancels, the second ends compensation. */
  cancel(signal: string): void {
    if (this.signal === undefined) {
      this.signal = signal
      this.deadline = this.now() + GRACE_MS
    } else this.hard = true
    for (const wake of [...this.wakers]) wake()
  }

  /** From now on writes and waits are the run's compensation, bounded by the grace period. */
  beginCompensation(): void {
    this.compensatingSince ??= this.now()
  }

  get compensating(): boolean {
    return this.compensatingSince !== undefined && !this.hard
  }

  /**
   * Throws when the run may not go on: cancelled (and not compensating), or past the grace period.
   * The error names the step the signal came during, not the one that was about to start.
   */
  check(step = this.step): void {
    if (!this.cancelled) return
    if (this.hard || !this.compensating) throw this.errorFor(step)
    if (this.now() >= (this.deadline as number))
      throw new CancelledError(`${this.signal}; the ${GRACE_MS / 1000} s grace period ended`, step)
  }

  /** The error a run cancelled during `step` ends with. */
  errorFor(step: string): CancelledError {
    return new CancelledError(
      this.hard ? `${this.signal}, then a second signal` : (this.signal as string),
      step
    )
  }

  /**
   * A request in flight may finish, but not past the grace period: once the run is cancelled,
   * `work` is given until the deadline (and no more after a second signal), then the run stops
   * waiting for it (`InFlightAbandoned`: its outcome is unknown; the request itself is not
   * aborted, and the server may still act on it).
   */
  bound<T>(work: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined
      const settle = (): void => {
        if (timer) clearTimeout(timer)
        this.wakers.delete(onSignal)
      }
      const onSignal = (): void => {
        if (timer) clearTimeout(timer)
        const left = this.hard ? 0 : Math.max(0, (this.deadline as number) - this.now())
        timer = setTimeout(() => {
          this.wakers.delete(onSignal)
          reject(new InFlightAbandoned(this.signal as string))
        }, left)
      }
      work.then(
        (v) => {
          settle()
          resolve(v)
        },
        (e: unknown) => {
          settle()
          reject(e as Error)
        }
      )
      // a waker stays registered for the request's life: the second signal shortens the bound
      this.wakers.add(onSignal)
      if (this.cancelled) onSignal()
    })
  }

  /** The clock, with sleeps that end (rejecting) the moment the run may no longer wait. */
  clock(inner: Clock): Clock {
    return {
      now: () => inner.now(),
      sleep: async (ms) => {
        this.check()
        const limit = this.compensating ? Math.max(0, (this.deadline as number) - this.now()) : ms
        await new Promise<void>((resolve) => {
          const done = (): void => {
            clearTimeout(timer)
            this.wakers.delete(done)
            resolve()
          }
          const timer = setTimeout(done, Math.min(ms, limit))
          this.wakers.add(done)
        })
        this.check()
      }
    }
  }
}

/**
 * SIGINT and SIGTERM cancel the run instead of killing the process (the runner's sequence on a
 * cancelled job: SIGINT, SIGTERM 7.5 s later, SIGKILL 2.5 s after that). Answers the function that
 * removes the handlers.
 */
export function installSignals(cancel: Cancellation, say: (message: string) => void): () => void {
  const handler = (signal: NodeJS.Signals): void => {
    say(
      cancel.cancelled
        ? `${signal} received again: nothing more is put back; writing the account.`
        : `${signal} received: the run stops at a safe point. No further write is sent; the request in flight finishes; what can be put back is put back within ${GRACE_MS / 1000} s; then the account is written. A second signal skips the putting back.`
    )
    cancel.cancel(signal)
  }
  process.on('SIGINT', handler)
  process.on('SIGTERM', handler)
  return () => {
    process.off('SIGINT', handler)
    process.off('SIGTERM', handler)
  }
}
