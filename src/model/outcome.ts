import type { ProjectOutcome, RunReport } from './report.js'

/**
 * How a run ended, computed once from its report (`outcomeOf`), and what each ending looks like
 * (`OUTCOMES`: icon, headline, the CLI's word, exit code, whether the action's step fails, the
 * project's state in a set). The summary, the CLI, the action, the outputs and the set read these;
 * none works it out again. A new ending is one member of the union plus its row: the compiler
 * finds every place that must handle it.
 */

/** What the target looks like after a failed run, as far as the ledger can tell. */
export type TargetAfter = 'untouched' | 'as-before' | 'changed'

/** What kind of run failed: its headline names it. */
export type FailedRun = 'dry run' | 'drift check' | 'run'

/** A failure's facts for its headline. */
interface Failure {
  /** The step it failed at. */
  step?: string
  run: FailedRun
  target: TargetAfter
}

export type Outcome =
  /** Bad input found before any request to a tenant. */
  | ({ kind: 'bad-input' } & Failure)
  /** SIGINT / SIGTERM: the account says what the run changed. */
  | { kind: 'cancelled'; signal: string; during: string }
  /** plan-file: this run is not the reviewed plan; nothing was sent. */
  | { kind: 'refused'; differences: number }
  /** A dry run whose plan found a blocker: a real run would fail before any change. */
  | { kind: 'blocked' }
  | ({ kind: 'failed' } & Failure)
  /** Mode validate: the package is not valid. */
  | { kind: 'invalid' }
  /** Mode drift: the target differs from the package or the bindings. */
  | { kind: 'drifted'; differences: number }
  /** Mode drift: the target equals the package and the bindings. */
  | { kind: 'in-sync' }
  /** A dry run whose plan can be applied. */
  | { kind: 'planned' }
  /** skip-unchanged: the target already equalled the package; nothing was sent. */
  | { kind: 'unchanged' }
  /** Mode validate: the package is valid. */
  | { kind: 'valid' }
  | { kind: 'done'; mode: 'promote' | 'export' | 'deploy' }

export type OutcomeKind = Outcome['kind']

/** A set of projects: how many ended how, and the project it failed at. */
export interface SetTally {
  total: number
  done: number
  unchanged: number
  drifted: number
  failedAt?: string
}

type Of<K extends OutcomeKind> = Extract<Outcome, { kind: K }>

export interface OutcomeRow<K extends OutcomeKind> {
  icon: string
  /** The headline of a single project's summary (Markdown-safe: built from our words and names escaped by the caller). */
  title: (o: Of<K>) => string
  /** The headline of a set's summary. */
  setTitle: (o: Of<K>, t: SetTally) => string
  /** The CLI's last word. */
  cli: (o: Of<K>) => string
  /** The CLI's exit code. */
  exit: number
  /** The action's step fails. */
  fails: boolean
  /** A project's state in a set (the report's `projects[].state`). */
  inSet: ProjectOutcome['state']
}

const of = (t: SetTally): string => `${t.done + t.unchanged} of ${t.total} project(s) done`

const failedTitle = (o: Failure): string => {
  const at = o.step ? ` at ${o.step}` : ''
  if (o.run === 'dry run') return `Dry run failed${at}: nothing changed`
  if (o.run === 'drift check') return `Drift check failed${at}`
  const after = {
    untouched: 'nothing changed',
    'as-before': 'the target ends as it was',
    changed: 'the target changed, see below'
  }[o.target]
  return `Failed${at}: ${after}`
}

/** A set that failed: dry run or not, at which project. */
const setFailed = (dryRun: boolean) => (t: SetTally) => {
  const at = t.failedAt ? ` at ${t.failedAt}` : ''
  return dryRun ? `Plan: the set would fail${at}` : `Failed${at}: ${of(t)}, see below`
}

const VERB: Record<Of<'done'>['mode'], string> = {
  promote: 'Promoted',
  export: 'Exported',
  deploy: 'Deployed'
}

/** Every ending, once. */
export const OUTCOMES: { [K in OutcomeKind]: OutcomeRow<K> } = {
  'bad-input': {
    icon: '❌',
    title: failedTitle,
    setTitle: (o, t) => setFailed(o.run === 'dry run')(t),
    cli: () => 'FAILED',
    exit: 2,
    fails: true,
    inSet: 'failed'
  },
  cancelled: {
    icon: '⏹️',
    title: (o) => `Cancelled (${o.signal}) during ${o.during}`,
    setTitle: (o, t) => `Cancelled (${o.signal}): ${of(t)}`,
    cli: () => 'CANCELLED',
    exit: 130,
    fails: true,
    inSet: 'cancelled'
  },
  refused: {
    icon: '❌',
    title: () => 'Refused: not the reviewed plan, nothing changed',
    setTitle: (_o, t) => setFailed(false)(t),
    cli: () => 'REFUSED (not the reviewed plan)',
    exit: 1,
    fails: true,
    inSet: 'failed'
  },
  blocked: {
    icon: '❌',
    title: () => 'Plan: would fail before any change',
    setTitle: (_o, t) => setFailed(true)(t),
    cli: () => 'FAILED',
    exit: 1,
    fails: true,
    inSet: 'failed'
  },
  failed: {
    icon: '❌',
    title: failedTitle,
    setTitle: (o, t) => setFailed(o.run === 'dry run')(t),
    cli: () => 'FAILED',
    exit: 1,
    fails: true,
    inSet: 'failed'
  },
  invalid: {
    icon: '❌',
    title: () => 'Qlik DI project package: not valid',
    setTitle: () => 'Qlik DI project package: not valid',
    cli: () => 'INVALID',
    exit: 1,
    fails: true,
    inSet: 'failed'
  },
  drifted: {
    icon: '❌',
    title: (o) => `Drift: ${o.differences} difference(s)`,
    setTitle: (_o, t) => `Drift in ${t.drifted} of ${t.total} project(s)`,
    cli: () => 'DRIFTED',
    exit: 1,
    fails: true,
    inSet: 'done'
  },
  'in-sync': {
    icon: '✅',
    title: () => 'No drift: the target equals the package',
    setTitle: (_o, t) => `No drift: ${t.total} project(s) equal their packages`,
    cli: () => 'NO DRIFT',
    exit: 0,
    fails: false,
    inSet: 'done'
  },
  planned: {
    icon: '✅',
    title: () => 'Plan: the promotion can be applied',
    setTitle: (_o, t) => `Plan: the set of ${t.total} project(s) can be applied`,
    cli: () => 'DRY RUN OK',
    exit: 0,
    fails: false,
    inSet: 'done'
  },
  unchanged: {
    icon: '⏭️',
    title: () => 'Unchanged: the target already equals the package',
    setTitle: (_o, t) => `Unchanged: the ${t.total} project(s) already equal their packages`,
    cli: () => 'UNCHANGED',
    exit: 0,
    fails: false,
    inSet: 'unchanged'
  },
  valid: {
    icon: '✅',
    title: () => 'Qlik DI project package: valid',
    setTitle: () => 'Qlik DI project package: valid',
    cli: () => 'VALID',
    exit: 0,
    fails: false,
    inSet: 'done'
  },
  done: {
    icon: '✅',
    title: (o) => VERB[o.mode],
    setTitle: (o, t) =>
      `${VERB[o.mode]} ${t.done} project(s)${t.unchanged ? `, ${t.unchanged} unchanged` : ''}`,
    cli: (o) => VERB[o.mode].toUpperCase(),
    exit: 0,
    fails: false,
    inSet: 'done'
  }
}

/** The row of an outcome, typed for any kind. */
export function rowOf(o: Outcome): OutcomeRow<OutcomeKind> {
  return OUTCOMES[o.kind] as OutcomeRow<OutcomeKind>
}

/** The headline words of a single project's outcome. */
export const titleOf = (o: Outcome): string => rowOf(o).title(o as never)

/** The CLI's last word. */
export const cliWordOf = (o: Outcome): string => rowOf(o).cli(o as never)

/** Something was (or may have been) changed on the target. */
const touched = (r: RunReport): boolean =>
  r.ledger.entries.some((e) => e.state === 'done' || e.state === 'unknown')

/** How a single project's run ended (a set: `setOutcomeOf`). */
export function outcomeOf(r: RunReport): Outcome {
  if (r.projectReports) return setOutcomeOf(r)
  if (r.outcome === 'cancelled') return cancelledOf(r)
  if (r.outcome === 'failed') {
    if (r.mode === 'validate' && !r.badInput) return { kind: 'invalid' }
    const changed = touched(r)
    if (r.planCheck?.differences.length && !changed)
      return { kind: 'refused', differences: r.planCheck.differences.length }
    if (r.dryRun && r.plan && !r.plan.canApply) return { kind: 'blocked' }
    const failure: Failure = {
      ...(r.failedStep ? { step: r.failedStep } : {}),
      run: r.dryRun && !changed ? 'dry run' : r.mode === 'drift' ? 'drift check' : 'run',
      target: !changed ? 'untouched' : asBefore(r) ? 'as-before' : 'changed'
    }
    return r.badInput ? { kind: 'bad-input', ...failure } : { kind: 'failed', ...failure }
  }
  if (r.mode === 'validate') return { kind: 'valid' }
  return succeededOf(r, r.unchanged === true)
}

const cancelledOf = (r: RunReport): Outcome => ({
  kind: 'cancelled',
  signal: r.cancelled?.signal ?? '',
  during: r.cancelled?.during ?? ''
})

/** A run (or a set) that succeeded: drift or not, dry run, unchanged, or done in its mode. */
function succeededOf(r: RunReport, unchanged: boolean): Outcome {
  if (r.drift)
    return r.drift.drifted
      ? { kind: 'drifted', differences: r.drift.differences.length }
      : { kind: 'in-sync' }
  if (r.dryRun) return { kind: 'planned' }
  if (unchanged) return { kind: 'unchanged' }
  return { kind: 'done', mode: r.mode === 'export' || r.mode === 'deploy' ? r.mode : 'promote' }
}

/** The ledger's account says the target project ends as it was before the run. */
const asBefore = (r: RunReport): boolean => r.ledger.parts?.ends.asBefore === true

/** A project's state in a set, from its own report. */
export const inSetOf = (r: RunReport): ProjectOutcome['state'] => rowOf(outcomeOf(r)).inSet

/** How many projects of a set ended how. */
export function tallyOf(r: RunReport): SetTally {
  const all = r.projects ?? []
  const n = (state: ProjectOutcome['state']): number => all.filter((p) => p.state === state).length
  const failedAt = all.find((p) => p.state === 'failed')?.name
  return {
    total: all.length,
    done: n('done'),
    unchanged: n('unchanged'),
    drifted: all.filter((p) => p.drifted).length,
    ...(failedAt !== undefined ? { failedAt } : {})
  }
}

/**
 * How a set ended, from its projects' outcomes: cancelled, else as its first failed project
 * ended (refused, blocked, bad input, failed), else drift, dry run, all unchanged, done.
 */
function setOutcomeOf(r: RunReport): Outcome {
  if (r.outcome === 'cancelled') return cancelledOf(r)
  const all = r.projects ?? []
  const failed = all.find((p) => p.state === 'failed')
  // its state came from its outcome (inSetOf): one of the endings that fail a set
  const own = r.projectReports?.find((x) => x.name === failed?.name)?.report
  if (own) return outcomeOf(own)
  if (r.outcome === 'failed' || failed)
    return {
      kind: r.badInput ? 'bad-input' : 'failed',
      ...(r.failedStep ? { step: r.failedStep } : {}),
      run: r.dryRun ? 'dry run' : r.mode === 'drift' ? 'drift check' : 'run',
      target: 'changed'
    }
  return succeededOf(r, all.length > 0 && all.every((p) => p.state === 'unchanged'))
}
