import { FINAL_STATES, type ActionStatus, type QlikApi } from '../qlik/api.js'

/**
 * Waiting on an asynchronous Qlik action: the first status check `firstDelayMs` after the request,
 * later checks spaced out geometrically (x`factor`) up to `maxDelayMs`, so a short action is noticed
 * quickly and a long one costs few requests; a line whenever the state or the task counts change;
 * bounded by `timeoutMs`.
 */

export interface WaitOptions {
  firstDelayMs: number
  maxDelayMs: number
  factor: number
  timeoutMs: number
  sleep: (ms: number) => Promise<void>
  now: () => number
  log: (line: string) => void
}

export const DEFAULT_WAIT = { maxDelayMs: 10_000, factor: 1.05 }

export class ActionTimeoutError extends Error {
  constructor(
    readonly actionId: string,
    readonly label: string,
    readonly last: ActionStatus | undefined,
    readonly seconds: number,
    tenant: string
  ) {
    super(
      `${label} did not finish within ${seconds} s: it was still ${last?.state ?? 'not reported'} on the ${tenant} tenant ` +
        `(action id ${actionId}). The action may still be running on Qlik's side: check it with ` +
        `GET /api/v1/di-projects/actions/${actionId}?detailed=true before starting another one, or raise 'timeout'.`
    )
    this.name = 'ActionTimeoutError'
  }
}

export interface WaitResult {
  status: ActionStatus
  elapsedMs: number
  checks: number
}

const counts = (s: ActionStatus): string => {
  const p = s.taskProgress
  if (!p) return ''
  const parts = (['completed', 'executing', 'pending', 'failed', 'skipped', 'canceled'] as const)
    .map((k) => [k, p[k] ?? 0] as const)
    .filter(([k, n]) => n > 0 || k === 'completed')
    .map(([k, n]) => `${n} ${k}`)
  return parts.join(', ')
}

export async function waitForAction(
  api: QlikApi,
  actionId: string,
  label: string,
  opts: WaitOptions
): Promise<WaitResult> {
  const start = opts.now()
  let delay = opts.firstDelayMs
  let lastLine = ''
  let checks = 0
  for (;;) {
    const remaining = opts.timeoutMs - (opts.now() - start)
    await opts.sleep(Math.max(0, Math.min(delay, remaining)))
    const status = await api.actionStatus(actionId)
    checks += 1
    const elapsedMs = opts.now() - start
    const tasks = counts(status)
    const line = `${status.state}${tasks ? ` (tasks: ${tasks})` : ''}`
    if (line !== lastLine) {
      opts.log(`${label}: ${line} after ${(elapsedMs / 1000).toFixed(1)} s`)
      lastLine = line
    }
    if (FINAL_STATES.includes(status.state)) return { status, elapsedMs, checks }
    if (elapsedMs >= opts.timeoutMs)
      throw new ActionTimeoutError(
        actionId,
        label,
        status,
        Math.round(opts.timeoutMs / 1000),
        api.tenant
      )
    delay = Math.min(opts.maxDelayMs, delay * opts.factor)
  }
}

/** The failed tasks of a finished action, each with its error: for logs, annotations and the summary. */
export function failedTasks(status: ActionStatus): Array<{
  name: string
  taskId: string
  state: string
  code: string
  message: string
  details: string
}> {
  return (status.taskDetails ?? [])
    .filter((t) => t.state === 'FAILED' || (t.error && t.state !== 'COMPLETED'))
    .map((t) => ({
      name: t.name ?? t.taskId ?? '(unnamed task)',
      taskId: t.taskId ?? '',
      state: t.state ?? '',
      code: t.error?.code ?? '',
      message: t.error?.message ?? t.info ?? '',
      details: t.error?.details ?? ''
    }))
}
