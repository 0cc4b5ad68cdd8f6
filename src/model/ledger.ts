/** The ledger's entries: every write a run sends to a target, as data (pipeline/ledger.ts keeps them). */

/**
 * Every kind of write, once: its words in the account, and whether it concerns one task (an entry
 * per task, whose `what` says which) rather than the run.
 */
export const WRITES = {
  'create-project': { label: 'create the project' },
  'set-bindings': { label: 'set the bindings' },
  import: { label: 'import' },
  prepare: { label: 'prepare' },
  validate: { label: 'validate' },
  'restore-bindings': { label: 'put the previous bindings back' },
  /** quiesce: stop a data task that was running before the deploy */
  'stop-task': { label: 'stop a running task', perTask: true },
  /** resume: start again a data task this run stopped */
  'resume-task': { label: 'start a stopped task again', perTask: true },
  /** run-tasks: start a data task after the deploy */
  'run-task': { label: 'run a task', perTask: true },
  /** trigger-tasks: start a Tasks API task (e.g. an app reload) */
  'trigger-task': { label: 'trigger a task', perTask: true }
} as const satisfies Record<string, { label: string; perTask?: true }>

export type WriteKind = keyof typeof WRITES

export type WriteState = 'not-sent' | 'done' | 'refused' | 'unknown'

export interface LedgerEntry {
  kind: WriteKind
  /** Host of the tenant written to. */
  tenant: string
  state: WriteState
  /** What the write does, in words: "create project 'Sales' in space PROD". */
  what: string
  projectId?: string
  actionId?: string
  /** Final state of a started asynchronous action (COMPLETED, FAILED, ...), or 'unknown'. */
  result?: string
  /** The server's words when refused or unknown. */
  error?: string
  /** Names of the binding variables this write changed and added (set-bindings, restore). */
  changed?: string[]
  added?: string[]
  /** The task of a per-task write (stop, resume, run, trigger). */
  taskId?: string
  /**
   * What the write acts on, by name, as data: the project it creates, the task it stops, starts,
   * runs or triggers. The account words it; nothing recovers it from `what`.
   */
  subject?: string
  /** create-project: the space the project is created in. */
  space?: string
  at?: string
}

/** The writes that start an action of Qlik's (asynchronous; Qlik has no cancel for them). */
const ACTIONS: ReadonlySet<WriteKind> = new Set(['import', 'prepare', 'validate'])

export const isAction = (kind: WriteKind): boolean => ACTIONS.has(kind)

/**
 * What became of an action of Qlik's: never sent, refused, possibly still running (sent with the
 * answer lost, or started and its end not seen), completed, or ended without completing (FAILED,
 * CANCELED, SKIPPED).
 */
export type ActionState = 'not-sent' | 'refused' | 'running' | 'completed' | 'did-not-complete'

export function actionState(e: LedgerEntry | undefined): ActionState {
  if (!e || e.state === 'not-sent') return 'not-sent'
  if (e.state === 'refused') return 'refused'
  if (e.state === 'unknown' || !e.result || e.result === 'unknown') return 'running'
  return e.result === 'COMPLETED' ? 'completed' : 'did-not-complete'
}

/**
 * Did the import apply? One answer for compensation, cancellation, the account and the post step:
 * `completed` applied, `running` may apply, the rest did not.
 */
export const importState = (entries: readonly LedgerEntry[]): ActionState =>
  actionState(entries.find((e) => e.kind === 'import'))
