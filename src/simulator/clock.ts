/** Time source of the simulator. Tests can drive a ManualClock; the server uses the real one. */
export interface Clock {
  now(): number
}

export const systemClock: Clock = { now: () => Date.now() }

export class ManualClock implements Clock {
  constructor(private t = Date.UTC(2026, 0, 1)) {}
  now(): number {
    return this.t
  }
  advance(ms: number): void {
    this.t += ms
  }
}

export const iso = (ms: number): string => new Date(ms).toISOString()
