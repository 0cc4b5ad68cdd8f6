import type { ReleaseDiff } from '../package/diff.js'

/** What a dry run plans, what the plan's fingerprint holds, and what a release costs the data. */

/** A connection the run would bind, looked up in the target tenant before the first write. */
export interface ConnectionCheck {
  variable: string
  expression: string
  /** resolved: it exists there; missing / space-missing: the run would fail; unknown: not readable */
  status: 'resolved' | 'unknown' | 'space-missing' | 'missing'
  /** What was found, or what is missing and the names that exist instead. */
  detail?: string
}

/** One check made from reads before the first write to the target. */
export interface GuardResult {
  check: string
  status: 'passed' | 'failed' | 'warning' | 'unknown'
  detail: string
}

export interface DryRunPlan {
  project: 'create' | 'reuse'
  bindings: { added: string[]; changed: string[]; unchanged: string[]; undeclaredKept: string[] }
  /**
   * Old → new of the binding values a reviewer may see: not from `${ENV}`, not a secret of the
   * run, not a connection (those are checked by name below), and short.
   */
  values?: Array<{ name: string; from?: string | null; to: string | null }>
  connections: ConnectionCheck[]
  guards: GuardResult[]
  steps: string[]
  problems: string[]
  canApply: boolean
  /** What the package changes on the target (tasks, settings, datasets, variables). */
  changes?: ReleaseDiff
  /** What the changes cost the data, task by task (inferred from the package, not from Qlik). */
  impact?: DataImpact
  /** What the plan was made from: a real run with plan-file refuses when any of it differs. */
  fingerprint?: PlanFingerprint
}

/** What to do when a run is not its plan. */
export const REPLAN =
  'Make a new plan of this package against the target as it is now (a dry run), have it reviewed, and apply that plan'

export interface TargetDigests {
  /**
   * sha256 of the whole definition and bindings as read (full values), beside the short digests
   * that name the parts (the running tasks are compared on their own: they are ids).
   */
  all: string
  /** Project: 'description', 'setting <pointer>'. */
  project: Record<string, string>
  /** By task id: 'name', 'type', 'description', 'setting <pointer>', 'file <path>', 'dataset <name>', '<role> variable'. */
  tasks: Record<string, Record<string, string>>
  /** The target's bindings as read, by name. */
  bindings: Record<string, string>
  /** Ids of the tasks running on the target; absent when their states were not all read. */
  running?: string[]
}

export interface PlanFingerprint {
  version: 1
  /** The plan's own digest (sha256 of its JSON without this field), set when the plan is written. */
  digest?: string
  madeAt: string
  commit?: string
  /** The workflow run (or 'local') that made the plan. */
  run?: string
  target: { tenant: string; spaceId: string; projectName: string; projectId?: string }
  /** The package ZIP's sha256, and a digest of the files it holds (a new export of the same files). */
  package: { sha256: string; content: string }
  /**
   * Digests and ids only, never a value: kept out of the report's redaction (a secret made of hex
   * digits could match a digest and change it).
   */
  digests: {
    salt: string
    /** The bindings the run would send, by name. */
    sent: Record<string, string>
    /** The names among them whose value is a secret or comes from ${ENV}. */
    secret: string[]
    target: TargetDigests
    /** Each step the run would take (the plan's `steps`, in order). */
    steps: string[]
  }
  /** Task names by id, for the messages (redacted like the rest of the report). */
  names: { tasks: Record<string, string> }
}

/**
 * What a release costs the data, task by task, as far as the package tells it (inferred from the
 * package and the target's export, not from Qlik: Qlik decides at prepare). A reviewer of a
 * production release needs this before the definition changes.
 *
 * - `drop`: datasets the target has and the package does not: prepare drops their tables, and
 *   refuses to without allow-recreate (a real run then fails at prepare).
 * - `redefined`: datasets added, or dataset files whose content differs (columns, keys): prepare
 *   may recreate their tables; they load again at the task's next run.
 * - `definition`: settings, connections, description or other files only: no table changes.
 * - `new`: a task the target does not have: prepare creates it, its first run loads it.
 * - `kept`: on the target only: import keeps it (Qlik's import deletes no task).
 */
export type ImpactKind = 'drop' | 'redefined' | 'definition' | 'new' | 'kept'

export interface TaskImpact {
  id: string
  name: string
  kind: ImpactKind
  /** The datasets concerned (dropped, or added and redefined). */
  datasets: string[]
  /** With a drop: the task's other datasets that are added or redefined. */
  redefined?: string[]
}

export interface DataImpact {
  tasks: TaskImpact[]
  /** allow-recreate as this run has it: whether prepare may drop datasets. */
  allowRecreate: boolean
  /** Whether this run prepares the project (prepare: false leaves the drop to a later prepare). */
  prepare: boolean
}
