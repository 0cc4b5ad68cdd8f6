import {
  Cancellation,
  CancelledError,
  GRACE_MS,
  InFlightAbandoned
} from '../../src/pipeline/cancel.js'
import { isOutcomeUnknown, Ledger } from '../../src/pipeline/ledger.js'

/** A cancellation on a clock the test moves. */
function at(t0 = 0) {
  let t = t0
  const c = new Cancellation(() => t)
  return { c, move: (ms: number) => (t += ms) }
}

const never = <T>(): Promise<T> => new Promise<T>(() => undefined)

describe('Cancellation', () => {
  it('lets the run go on until a signal; then names the step the signal came during', () => {
    const { c } = at()
    expect(() => c.check('Import the package')).not.toThrow()
    c.step = 'Set the target bindings'
    c.cancel('SIGINT')
    expect(() => c.check()).toThrow(CancelledError)
    expect(() => c.check()).toThrow(
      "The run was cancelled (SIGINT) during 'Set the target bindings': no further write was sent."
    )
  })

  it('compensation may write within the grace period, not after it, and not after a second signal', () => {
    const { c, move } = at()
    c.cancel('SIGTERM')
    c.beginCompensation()
    expect(() => c.check('Put the bindings back')).not.toThrow()
    move(GRACE_MS)
    expect(() => c.check('Put the bindings back')).toThrow(/the 5 s grace period ended/)
    const other = at().c
    other.cancel('SIGINT')
    other.beginCompensation()
    other.cancel('SIGINT')
    expect(() => other.check('x')).toThrow('cancelled (SIGINT, then a second signal)')
  })

  it("wakes every sleep of the run's clock at once", async () => {
    const { c } = at()
    const clock = c.clock({ now: () => 0, sleep: never })
    const sleeping = clock.sleep(60_000)
    c.cancel('SIGINT')
    await expect(sleeping).rejects.toThrow(CancelledError)
    await expect(clock.sleep(1)).rejects.toThrow(CancelledError)
  })

  it('a request in flight finishes when it answers in time', async () => {
    const { c } = at()
    c.cancel('SIGINT')
    await expect(c.bound(Promise.resolve('answer'))).resolves.toBe('answer')
  })

  it('a request in flight is not waited for past the grace period: its outcome is unknown', async () => {
    const { c, move } = at()
    c.cancel('SIGINT')
    c.beginCompensation()
    move(GRACE_MS) // the grace period has ended: a write still in flight is given no more time
    const e = await c.bound(never<string>()).catch((x: unknown) => x)
    expect(e).toBeInstanceOf(InFlightAbandoned)
    expect((e as Error).message).toContain('did not come within the 5 s grace period')
    expect(isOutcomeUnknown(e)).toBe(true)
  })

  it('a second signal ends the wait for a request in flight at once', async () => {
    const { c } = at()
    const answer = c.bound(never<string>())
    c.cancel('SIGINT') // the bound is now the grace period (5 s of real time)
    c.cancel('SIGINT') // the second signal: no more waiting
    await expect(answer).rejects.toThrow(InFlightAbandoned)
  })

  it('the ledger records such a write as unknown, never as refused', async () => {
    const { c } = at()
    const ledger = new Ledger()
    ledger.bound = (p) => c.bound(p)
    const sent = ledger.record('h', 'set-bindings', 'set the bindings', never)
    c.cancel('SIGINT')
    c.cancel('SIGINT')
    await expect(sent).rejects.toThrow(InFlightAbandoned)
    expect(ledger.find('set-bindings')?.state).toBe('unknown')
    expect(ledger.account({ failed: true, existed: true }).join('\n')).toContain(
      'Outcome unknown: set the bindings'
    )
  })
})
