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
  at?: string
}
