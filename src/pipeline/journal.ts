import { appendFileSync, closeSync, fstatSync, openSync, readSync, writeFileSync } from 'node:fs'
import type { LedgerEntry } from '../model/ledger.js'

/**
 * The journal: the ledger on disk, one JSON line per change, appended (synchronously) as each write
 * is planned, sent and answered. A run that is killed (SIGKILL after the runner's grace period, a
 * lost runner, out of memory) cannot write its account; the action's post step reads the journal
 * instead and says what the run had done, what was in flight and how to restore.
 *
 * A line is a few hundred bytes (the server's words are cut at 400 characters); secrets are
 * redacted before a line is written, as in the report.
 */

export type JournalEvent = 'planned' | 'sending' | 'answered'

/** What the account needs besides the writes: the target, whether it existed, the backup. */
export interface JournalFacts {
  /** "the target tenant acme-prod.eu.qlikcloud.com" */
  tenant?: string
  /** The target project's name and id. */
  project?: string
  existed?: boolean
  /** How to roll back to the backup this run made. */
  rollback?: string
  /** The step the run was in. */
  step?: string
}

export type JournalLine =
  | { at: string; kind: 'start'; mode: string; dryRun: boolean; pid: number; runId?: string }
  | { at: string; kind: 'write'; project?: string; event: JournalEvent; entry: LedgerEntry }
  | { at: string; kind: 'facts'; project?: string; facts: JournalFacts }
  | { at: string; kind: 'end'; project?: string; outcome: string }
  /** The main step wrote its account (outputs, summary): the post step has nothing to add. */
  | { at: string; kind: 'account'; outcome: string }

/** The name of the action state (core.saveState) that holds the journal's path for the post step. */
export const JOURNAL_STATE = 'journal'

type Redact = <T>(value: T) => T

const ERROR_MAX = 400

export class Journal {
  private broken = false

  private constructor(
    readonly path: string,
    private readonly now: () => number,
    /** Every line passes through it: the run's secrets never reach the file. */
    public redact: Redact,
    private readonly warn: (message: string) => void
  ) {}

  /** A new journal at `path` (truncated), with its start line. */
  static create(
    path: string,
    start: { mode: string; dryRun: boolean; runId?: string },
    opts: { now?: () => number; redact?: Redact; warn?: (m: string) => void } = {}
  ): Journal {
    const j = new Journal(
      path,
      opts.now ?? Date.now,
      opts.redact ?? ((v) => v),
      opts.warn ?? (() => undefined)
    )
    try {
      writeFileSync(path, '', { mode: 0o600 })
    } catch (e) {
      j.fail(e)
    }
    j.append({ at: j.stamp(), kind: 'start', pid: process.pid, ...start })
    return j
  }

  private stamp(): string {
    return new Date(this.now()).toISOString()
  }

  private fail(e: unknown): void {
    if (this.broken) return
    this.broken = true
    this.warn(
      `The run's journal ${this.path} cannot be written (${(e as Error).message}): if this job is killed, its post step cannot say what the run had changed.`
    )
  }

  private append(line: JournalLine): void {
    if (this.broken) return
    try {
      appendFileSync(this.path, `${JSON.stringify(this.redact(line))}\n`)
    } catch (e) {
      this.fail(e)
    }
  }

  /** The writer of one pipeline (a project of a set: its name on every line). */
  writer(project?: string): JournalWriter {
    const tag = project !== undefined ? { project } : {}
    let facts: JournalFacts = {}
    return {
      write: (event, entry) => {
        const e = { ...entry }
        if (e.error && e.error.length > ERROR_MAX) e.error = `${e.error.slice(0, ERROR_MAX)}...`
        this.append({ at: this.stamp(), kind: 'write', ...tag, event, entry: e })
      },
      facts: (more) => {
        const next = { ...facts, ...more }
        if (JSON.stringify(next) === JSON.stringify(facts)) return
        facts = next
        this.append({ at: this.stamp(), kind: 'facts', ...tag, facts: more })
      },
      end: (outcome) => this.append({ at: this.stamp(), kind: 'end', ...tag, outcome })
    }
  }

  /** The main step wrote its account: a post step that reads this journal stays silent. */
  accountWritten(outcome: string): void {
    this.append({ at: this.stamp(), kind: 'account', outcome })
  }
}

export interface JournalWriter {
  write(event: JournalEvent, entry: LedgerEntry): void
  facts(facts: JournalFacts): void
  end(outcome: string): void
}

/** One pipeline's part of a journal, read back. */
export interface JournalProject {
  /** The project's name in a set; undefined for a single run. */
  name?: string
  /** The entries as last written, in the order they were first written. */
  entries: LedgerEntry[]
  /** Entries whose request was sent and whose answer was never written: in flight when it stopped. */
  inFlight: LedgerEntry[]
  facts: JournalFacts
  /** The pipeline's outcome, when it ended. */
  outcome?: string
  lastAt?: string
}

export interface JournalRead {
  start?: { at: string; mode: string; dryRun: boolean; pid: number; runId?: string }
  projects: JournalProject[]
  /** The main step wrote its account (and its outcome). */
  account?: string
  /** Lines that could not be read (a line cut short by the kill). */
  unreadable: number
}

/** The journal is a few hundred bytes per write: anything this large is not ours. */
export const JOURNAL_MAX_BYTES = 8 * 1024 * 1024

/** Read a journal back (the post step). Throws only when the file cannot be read at all. */
// eslint-disable-next-line max-lines-per-function -- issue 33: to be split (known when the rule came in)
export function readJournal(path: string): JournalRead {
  const fd = openSync(path, 'r')
  let text: string
  try {
    const size = fstatSync(fd).size
    if (size > JOURNAL_MAX_BYTES)
      throw new Error(
        `it is ${size} bytes, more than a journal of this action holds (${JOURNAL_MAX_BYTES})`
      )
    const buf = Buffer.alloc(size)
    let got = 0
    while (got < size) {
      const n = readSync(fd, buf, got, size - got, got)
      if (n === 0) break
      got += n
    }
    text = buf.subarray(0, got).toString('utf8')
  } finally {
    closeSync(fd)
  }
  const out: JournalRead = { projects: [], unreadable: 0 }
  const byName = new Map<string, JournalProject & { keys: Map<string, LedgerEntry> }>()
  const part = (name: string | undefined) => {
    const key = name ?? ''
    let p = byName.get(key)
    if (!p) {
      p = {
        ...(name !== undefined ? { name } : {}),
        entries: [],
        inFlight: [],
        facts: {},
        keys: new Map()
      }
      byName.set(key, p)
    }
    return p
  }
  for (const raw of text.split('\n')) {
    if (!raw.trim()) continue
    let line: JournalLine
    try {
      line = JSON.parse(raw) as JournalLine
    } catch {
      out.unreadable += 1
      continue
    }
    if (!line || typeof line !== 'object') {
      out.unreadable += 1
      continue
    }
    switch (line.kind) {
      case 'start':
        out.start = line
        break
      case 'account':
        out.account = line.outcome
        break
      case 'facts':
        Object.assign(part(line.project).facts, line.facts)
        part(line.project).lastAt = line.at
        break
      case 'end':
        part(line.project).outcome = line.outcome
        part(line.project).lastAt = line.at
        break
      case 'write': {
        const p = part(line.project)
        p.lastAt = line.at
        const e = line.entry
        const key = `${e.kind}\u0000${e.taskId ?? ''}`
        const known = p.keys.get(key)
        if (known) Object.assign(known, e)
        else {
          const copy = { ...e }
          p.keys.set(key, copy)
          p.entries.push(copy)
        }
        const entry = p.keys.get(key) as LedgerEntry
        p.inFlight = p.inFlight.filter((x) => x !== entry)
        if (line.event === 'sending') p.inFlight.push(entry)
        break
      }
      default:
        out.unreadable += 1
    }
  }
  out.projects = [...byName.values()].map(({ keys: _keys, ...p }) => p)
  return out
}
