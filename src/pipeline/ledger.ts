import { QlikApiError } from '../qlik/errors.js'
import type { Account } from '../model/account.js'
import {
  actionState,
  importState,
  isAction,
  WRITES,
  type LedgerEntry,
  type WriteKind,
  type WriteState
} from '../model/ledger.js'
import { oneLine } from '../text/escape.js'
import { accountWords } from '../model/account.js'

/**
 * The change ledger: every write the pipeline sends to a target tenant, recorded as it happens.
 * A write is `done` (the server accepted it), `refused` (the server answered with an error, so it
 * did not happen), `unknown` (the answer was lost: it may or may not have happened) or `not-sent`
 * (planned, never sent because the run stopped earlier). An asynchronous action that was started
 * also has the final state it reached (`result`), or `unknown` when waiting for it failed.
 *
 * `account()` turns the ledger into the honest account every failure ends with: what changed on
 * which tenant, what did not, what is unknown, and how to get back. Nothing else in the pipeline
 * may claim that the target was not changed.
 */

/** What the runner knows about the target that the account needs. */
export interface AccountFacts {
  /** The run failed: the account says how to get back. */
  failed: boolean
  /** Host of the target tenant, when there is one. */
  tenant?: string
  /** The target project existed before this run. */
  existed: boolean
  /** Instructions to roll the project back to its state before this run (backup artifact). */
  rollback?: string
  /** Why the bindings were not put back when they could have been (on-failure: keep). */
  keptBindings?: string
}

/** A per-task write in words: its `what` says which task. */
const label = (e: LedgerEntry): string => {
  const w: { label: string; perTask?: true } = WRITES[e.kind]
  return w.perTask ? e.what : w.label
}

const names = (xs: string[] | undefined, max = 8): string =>
  !xs || xs.length === 0
    ? ''
    : ` (${xs.slice(0, max).join(', ')}${xs.length > max ? `, and ${xs.length - max} more` : ''})`

export class Ledger {
  readonly entries: LedgerEntry[] = []

  constructor(private readonly now: () => number = Date.now) {}

  /** Writes the run intends to send, in order; they stay `not-sent` until recorded. */
  plan(
    tenant: string,
    kinds: Array<Pick<LedgerEntry, 'kind' | 'what' | 'taskId' | 'subject' | 'space'>>
  ): void {
    for (const k of kinds)
      if (!this.find(k.kind, k.taskId)) {
        const e: LedgerEntry = { ...k, tenant, state: 'not-sent' }
        this.entries.push(e)
        this.onChange?.('planned', e)
      }
  }

  /** Told of every change as it happens (the journal: what a killed run had done). */
  onChange?: (event: 'planned' | 'sending' | 'answered', entry: LedgerEntry) => void

  find(kind: WriteKind, taskId?: string): LedgerEntry | undefined {
    return this.entries.find((e) => e.kind === kind && e.taskId === taskId)
  }

  /** Every entry of a kind (the per-task writes have one per task). */
  all(kind: WriteKind): LedgerEntry[] {
    return this.entries.filter((e) => e.kind === kind)
  }

  /** Asked before each write is sent: throws when the run may not send it (cancelled). */
  gate?: () => void

  /** How long the answer to a write is waited for (a cancelled run: the grace period). */
  bound?: <T>(answer: Promise<T>) => Promise<T>

  /**
   * Send one write and record what became of it. A Qlik error that says the outcome is unknown
   * (a lost answer) records `unknown`; any other error means the server refused it.
   */
  // eslint-disable-next-line max-params -- issue 33: to take one named object (known when the rule came in)
  async record<T>(
    tenant: string,
    kind: WriteKind,
    what: string,
    send: () => Promise<T>,
    extra: Partial<LedgerEntry> = {}
  ): Promise<T> {
    // a cancelled run sends no new write (but the compensation's, within its grace period)
    this.gate?.()
    let entry = this.find(kind, extra.taskId)
    if (!entry) {
      entry = {
        kind,
        tenant,
        what,
        state: 'not-sent',
        ...(extra.taskId ? { taskId: extra.taskId } : {})
      }
      this.entries.push(entry)
    }
    // sent again (after a 409 from an action still running): the earlier refusal is history
    delete entry.error
    Object.assign(entry, { tenant, what, ...extra, at: new Date(this.now()).toISOString() })
    this.onChange?.('sending', entry)
    try {
      const out = await (this.bound ? this.bound(send()) : send())
      entry.state = 'done'
      if (typeof out === 'string' && isAction(kind)) entry.actionId = out
      return out
    } catch (e) {
      entry.state = isOutcomeUnknown(e) ? 'unknown' : 'refused'
      entry.error = (e as Error).message
      throw e
    } finally {
      this.onChange?.('answered', entry)
    }
  }

  /**
   * Correct a write once more is known of it: a create whose answer was lost but whose project
   * was then found is `done`; an import-async the tenant does not have was `not-sent`.
   */
  settle(kind: WriteKind, state: WriteState, extra: Partial<LedgerEntry> = {}): void {
    const e = this.find(kind, extra.taskId)
    if (!e) return
    delete e.error
    Object.assign(e, extra, { state })
    this.onChange?.('answered', e)
  }

  /** The final state of a started action, or 'unknown' when waiting for it failed. */
  result(kind: WriteKind, result: string, taskId?: string): void {
    const e = this.find(kind, taskId)
    if (!e) return
    e.result = result
    this.onChange?.('answered', e)
  }

  /**
   * An action of Qlik's (import, prepare, validate) that may still be running: sent with its answer
   * lost, or started and its end not seen (the wait timed out, the run was cancelled). Qlik runs
   * one action at a time per project and has no cancel: nothing else can change the project
   * until it ends.
   */
  stillRunning(): LedgerEntry | undefined {
    return this.entries.find((e) => isAction(e.kind) && actionState(e) === 'running')
  }

  /** Something was (or may have been) changed on the target. */
  get touched(): boolean {
    return this.entries.some((e) => e.state === 'done' || e.state === 'unknown')
  }

  /** The honest account, as data (`accountOf`) and in words (`accountWords`). */
  account(f: AccountFacts): string[] {
    return accountWords(accountOf(this.entries, f))
  }
}

/** The ledger's entries as the account: what changed, what did not, what is unknown, how back. */
export function accountOf(entries: readonly LedgerEntry[], f: AccountFacts): Account {
  const done = entries.filter((e) => e.state === 'done')
  const unknown = entries.filter((e) => e.state === 'unknown')
  const notDone = entries.filter((e) => e.state === 'not-sent' || e.state === 'refused')
  const account: Account = {
    tenant: f.tenant ?? 'the target tenant',
    changed: done.map(describeDone),
    notChanged: notDone.map(
      (e) => `${label(e)} (${e.state === 'refused' ? 'refused by the server' : 'not sent'})`
    ),
    unknown: unknown.map(label),
    ends: { asBefore: false }
  }
  if (done.length === 0 && unknown.length === 0) {
    account.nothingChanged = { refused: notDone.filter((e) => e.state === 'refused').map(label) }
    return account
  }
  if (f.failed) {
    account.ends = endState(entries, f)
    const steps = restoreSteps(entries, f)
    const created = entries.find((e) => e.kind === 'create-project')?.state === 'done'
    if (steps.length || f.existed || created) account.restore = steps
    if (!steps.length && (f.existed || created)) account.converges = true
  }
  return account
}

/** The project a create names: 'Sales' in space PROD. */
const projectWords = (e: LedgerEntry): string =>
  `'${oneLine(e.subject ?? '')}' in space ${oneLine(e.space ?? '')}${e.projectId ? ` (${e.projectId})` : ''}`

/** The task a per-task write names: 'Landing CRM'. */
const taskWords = (e: LedgerEntry): string => `task '${oneLine(e.subject ?? e.taskId ?? '')}'`

/** The state the target ends in, where the ledger can tell. */
function endState(entries: readonly LedgerEntry[], f: AccountFacts): Account['ends'] {
  const create = entries.find((e) => e.kind === 'create-project')
  const restored = entries.find((e) => e.kind === 'restore-bindings')?.state === 'done'
  const imported = importState(entries)
  const importApplied = imported === 'running' || imported === 'completed'
  return {
    ...(create?.state === 'done' && !importApplied ? { createdEmpty: projectWords(create) } : {}),
    asBefore:
      f.existed &&
      restored &&
      !importApplied &&
      !entries.some(
        (e) => (e.kind === 'prepare' || e.kind === 'validate') && e.state !== 'not-sent'
      )
  }
}

/** The way back, step by step (empty: nothing to do). */
function restoreSteps(entries: readonly LedgerEntry[], f: AccountFacts): string[] {
  const find = (kind: WriteKind): LedgerEntry | undefined => entries.find((e) => e.kind === kind)
  const imp = find('import')
  const bindings = find('set-bindings')
  const restore = find('restore-bindings')
  const imported = importState(entries)
  const importRunning = imported === 'running'
  const steps: string[] = []
  if (importRunning) {
    steps.push(
      imp?.actionId
        ? `wait for import action ${imp.actionId} to end (GET /api/v1/di-projects/actions/${imp.actionId}?detailed=true) before running again`
        : 'an import may be running: running again gets 409 Conflict until it ends'
    )
  }
  const bindingsChanged = bindings && (bindings.state === 'done' || bindings.state === 'unknown')
  const bindingsBack = restore?.state === 'done'
  if (
    f.existed &&
    (imported === 'completed' || importRunning || (bindingsChanged && !bindingsBack))
  ) {
    if (f.rollback) steps.push(f.rollback)
    else
      steps.push(
        'no backup was made (backup: false): deploy the previous release to this target to roll back'
      )
  }
  if (bindingsChanged && !bindingsBack && f.keptBindings) steps.push(f.keptBindings)
  if (restore?.state === 'refused' || restore?.state === 'unknown')
    steps.push('the previous bindings could not be put back: deploy the backup, which carries them')
  const resumed = (e: LedgerEntry): boolean =>
    entries.some((r) => r.kind === 'resume-task' && r.taskId === e.taskId && r.state === 'done')
  const notRunning = entries
    .filter((e) => e.kind === 'stop-task' && (e.state === 'done' || e.state === 'unknown'))
    .filter((e) => !resumed(e))
  if (notRunning.length)
    steps.push(
      `start again the task(s) this run stopped, which are not running now${importRunning ? ', once the import has ended' : ''}: ${notRunning
        .map(
          (e) =>
            `'${oneLine(e.subject ?? e.taskId ?? '')}' (POST /api/v1/di-projects/${e.projectId ?? '{projectId}'}/di-tasks/${e.taskId ?? '{taskId}'}/runtime/actions/start)`
        )
        .join(
          ', '
        )}, or run this action again with run-tasks: ${notRunning.map((e) => e.taskId ?? '').join(',')}`
    )
  return steps
}

function describeDone(e: LedgerEntry): string {
  switch (e.kind) {
    case 'create-project':
      return `created project ${projectWords(e)}`
    case 'set-bindings': {
      const parts = [
        e.changed?.length ? `${e.changed.length} changed${names(e.changed)}` : '',
        e.added?.length ? `${e.added.length} added${names(e.added)}` : ''
      ].filter(Boolean)
      return `bindings set: ${parts.length ? parts.join(', ') : 'no value changed'}`
    }
    case 'restore-bindings':
      return `bindings put back as they were before this run${e.changed?.length ? `: ${e.changed.length} reverted${names(e.changed)}` : ''}`
    case 'stop-task':
      return `stopped ${taskWords(e)} (it was running)`
    case 'resume-task':
      return `started ${taskWords(e)} again${e.result ? ` (${e.result})` : ''}`
    case 'run-task':
    case 'trigger-task':
      return `${e.kind === 'run-task' ? 'ran' : 'triggered'} ${taskWords(e)}${e.result ? `: ${e.result}` : ''}`
    default: {
      const label = e.kind
      const id = e.actionId ? ` (action ${e.actionId})` : ''
      if (!e.result) return `${label} started${id}`
      if (e.result === 'unknown')
        return `${label} started${id}, end not seen: it may still be running`
      return `${label} started${id} and ended ${e.result}`
    }
  }
}

export function isOutcomeUnknown(e: unknown): boolean {
  if (e instanceof QlikApiError) return e.details.outcomeUnknown === true
  // a write abandoned in flight when a cancelled run's grace period ended
  return (e as { outcomeUnknown?: unknown } | undefined)?.outcomeUnknown === true
}
