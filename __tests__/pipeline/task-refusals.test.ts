import type { StepContext } from '../../src/pipeline/context.js'
import { taskWriteOrAlready } from '../../src/pipeline/steps/task-runs.js'
import type { Project, QlikApi, RuntimeState } from '../../src/qlik/api.js'
import { QlikApiError } from '../../src/qlik/errors.js'

/**
 * Qlik's spec answers a start of a running task and a stop of a stopped one with 400 or 404; a
 * tenant may answer 409. All three mean the same when the task is already where the write would
 * put it: the run goes on, saying so. Anything else stands.
 */
function setup(refusal: number | undefined, state: string) {
  const lines: string[] = []
  const reads: string[] = []
  const refuse = async (): Promise<void> => {
    if (refusal === undefined) return
    throw new QlikApiError(`answered ${refusal}`, {
      status: refusal,
      title: refusal === 409 ? 'Conflict' : 'Bad Request',
      detail: "Task 'Replicate orders' is already running."
    } as never)
  }
  const api = {
    host: 'prod',
    startTask: refuse,
    stopTask: refuse,
    runtimeState: async (_p: string, id: string): Promise<RuntimeState> => {
      reads.push(id)
      return { lastRun: { state } } as RuntimeState
    }
  } as unknown as QlikApi
  const ctx = {
    log: { info: (m: string) => lines.push(m) },
    ledger: {
      record: (_h: string, _k: string, _w: string, send: () => Promise<void>) => send()
    }
  } as unknown as StepContext
  const project = { id: 'p1', name: 'Orders' } as Project
  const task = { id: 'replicate_orders', name: 'Replicate orders' }
  return {
    lines,
    reads,
    start: () => taskWriteOrAlready(ctx, api, project, 'run-task', task, 'run task'),
    stop: () => taskWriteOrAlready(ctx, api, project, 'stop-task', task, 'stop task')
  }
}

describe('a start or stop Qlik refuses', () => {
  it.each([400, 404, 409])(
    '%s on a start of a task that is running: watched, said',
    async (code) => {
      const s = setup(code, 'RUNNING')
      await expect(s.start()).resolves.toBe('already')
      expect(s.lines[0]).toContain(`Qlik refused to start 'Replicate orders' (${code}`)
      expect(s.lines[0]).toContain('already running (RUNNING)')
    }
  )

  it.each([400, 404, 409])(
    '%s on a stop of a task that is not running: not ours to start again',
    async (code) => {
      const s = setup(code, 'COMPLETED')
      await expect(s.stop()).resolves.toBe('already')
      expect(s.lines[0]).toContain('not running (COMPLETED)')
    }
  )

  it('stands when the task is not where the write would have put it', async () => {
    await expect(setup(400, 'STOPPED').start()).rejects.toThrow('answered 400')
    await expect(setup(409, 'RUNNING').stop()).rejects.toThrow('answered 409')
  })

  it('stands, without a read, for any other status; a write that goes through is sent', async () => {
    const s = setup(500, 'RUNNING')
    await expect(s.start()).rejects.toThrow('answered 500')
    expect(s.reads).toEqual([])
    await expect(setup(undefined, 'STOPPED').start()).resolves.toBe('sent')
  })
})
