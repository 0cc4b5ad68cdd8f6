/**
 * The polling, measured on the simulator: real HTTP status checks of real simulator actions, with
 * the simulator and the waiting both on one virtual clock (a wait advances it), so actions of
 * several minutes are measured in seconds and every strategy sees the same task durations (a
 * seeded simulator per strategy). The simulator answers what Qlik answers (state and task counts;
 * no task times); `timing.actionTimes` fills the action's end time so the bench, not the policy,
 * knows when the action really ended.
 */
import { ManualClock } from '../src/simulator/clock.js'
import type { SimulatorConfigInput } from '../src/simulator/config.js'
import { Simulator } from '../src/simulator/server.js'
import { QlikApi } from '../src/qlik/api.js'
import { QlikClient } from '../src/qlik/client.js'
import { DEFAULT_WAIT, waitForAction, type WaitOptions } from '../src/pipeline/wait.js'
import type { ActionProfile } from './poll-model.js'

export interface Strategy {
  name: string
  polling: Pick<WaitOptions, 'firstDelayMs' | 'maxDelayMs' | 'factor' | 'estimate' | 'floorMs'>
}

export const STRATEGIES: Strategy[] = [
  { name: 'default', polling: { firstDelayMs: 2000, ...DEFAULT_WAIT } },
  {
    name: 'fixed 1 s',
    polling: { firstDelayMs: 1000, maxDelayMs: 1000, factor: 1, estimate: false }
  },
  {
    name: 'fixed 2 s',
    polling: { firstDelayMs: 2000, maxDelayMs: 2000, factor: 1, estimate: false }
  },
  {
    name: 'fixed 10 s',
    polling: { firstDelayMs: 10_000, maxDelayMs: 10_000, factor: 1, estimate: false }
  }
]

export interface Measured {
  checks: number
  meanLateMs: number
  maxLateMs: number
  /** Checks a second at most, over any two consecutive checks. */
  maxRate: number
  /** Checks a second on average, over the actions' true lengths. */
  perSecond: number
}

function config(p: ActionProfile, spread: number, seed: string): SimulatorConfigInput {
  return {
    rateLimits: { enabled: false },
    timing: {
      actionPendingMs: p.pendingMs,
      actionTaskMs: p.taskMs,
      actionTaskSpread: spread,
      actionTaskSeed: seed,
      actionTasksParallel: p.parallel === true,
      actionTasksEndTogether: p.endTogether === true,
      actionTimes: true
    },
    tenants: [
      {
        name: 'bench',
        spaces: [{ name: 'BENCH', type: 'shared' }],
        projects: [
          {
            name: 'Bench',
            space: 'BENCH',
            tasks: Array.from({ length: p.tasks }, (_, i) => ({ name: `Task ${i + 1}` }))
          }
        ]
      }
    ]
  } as SimulatorConfigInput
}

/** Wait on `trials` prepare actions of the profile with one strategy. */
export async function measure(
  p: ActionProfile,
  s: Strategy,
  spread: number,
  trials: number
): Promise<Measured> {
  const clock = new ManualClock()
  const sim = await Simulator.start(config(p, spread, `poll-${p.name}`), { clock })
  const info = sim.tenantInfo('bench')
  const api = new QlikApi(
    new QlikClient({
      tenant: 'bench',
      baseUrl: info.url,
      auth: { kind: 'api-key', apiKey: info.apiKey },
      sleep: async (ms) => clock.advance(ms),
      now: () => clock.now()
    })
  )
  const project = sim.state('bench').projects[0]!
  let checks = 0
  let late = 0
  let maxLate = 0
  let maxRate = 0
  let length = 0
  try {
    for (let i = 0; i < trials; i++) {
      const startedAt = clock.now()
      const actionId = await api.prepare(project.id, false)
      const times: number[] = []
      const counted: QlikApi = Object.create(api) as QlikApi
      counted.actionStatus = (id: string) => {
        times.push(clock.now())
        return api.actionStatus(id)
      }
      const r = await waitForAction(counted, actionId, 'Prepare', {
        ...s.polling,
        timeoutMs: 3_600_000,
        sleep: async (ms) => clock.advance(ms),
        now: () => clock.now(),
        log: () => {}
      })
      if (!r.status.endTime) throw new Error('the bench simulator gave no end time')
      const l = startedAt + r.elapsedMs - Date.parse(r.status.endTime)
      checks += r.checks
      late += l
      length += Date.parse(r.status.endTime) - startedAt
      maxLate = Math.max(maxLate, l)
      for (let k = 1; k < times.length; k++)
        maxRate = Math.max(maxRate, 1000 / Math.max(1, times[k]! - times[k - 1]!))
      clock.advance(1000) // the next action starts on an idle project
    }
  } finally {
    await sim.close()
  }
  return {
    checks: checks / trials,
    meanLateMs: late / trials,
    maxLateMs: maxLate,
    maxRate,
    perSecond: (checks * 1000) / length
  }
}
