import { Ledger } from '../pipeline/ledger.js'
import type { JournalProject, JournalRead } from '../pipeline/journal.js'
import { md, mdCode, oneLine } from '../text/escape.js'
import { WRITE_STATE } from './summary.js'
import { isAction, type LedgerEntry } from '../model/ledger.js'

/**
 * The account of a run that did not finish (killed, crashed, out of memory), written by the post
 * step from the run's journal: the writes done, the one in flight, that the run did not finish,
 * and how to restore. Every name in it came from a tenant: Markdown escaped, one line.
 */

const STATE: Record<string, string> = {
  ...WRITE_STATE,
  'in-flight': '⏳ in flight: sent, answer never seen'
}

const result = (e: LedgerEntry): string =>
  e.result === 'unknown' ? 'end not seen: it may still be running' : (e.result ?? e.error ?? '')

/** The entries as the account must see them: what was in flight is unknown, unseen ends too. */
function settled(p: JournalProject): LedgerEntry[] {
  return p.entries.map((e) => {
    const x = { ...e }
    if (p.inFlight.some((f) => f.kind === e.kind && f.taskId === e.taskId)) {
      x.state = 'unknown'
      x.error = 'sent when the run stopped; its answer was never seen'
    }
    if (isAction(x.kind) && x.state === 'done' && !x.result) x.result = 'unknown'
    return x
  })
}

/** The ledger's own account of what the journal holds (the same words as a finished run's). */
export function interruptedAccount(p: JournalProject): string[] {
  const ledger = new Ledger()
  ledger.entries.push(...settled(p))
  return ledger.account({
    // a project of a set that ended before the kill has its own outcome
    failed: p.outcome !== 'succeeded',
    ...(p.facts.tenant ? { tenant: p.facts.tenant } : {}),
    existed: p.facts.existed === true,
    ...(p.facts.rollback ? { rollback: p.facts.rollback } : {})
  })
}

const inFlightWords = (p: JournalProject): string =>
  p.inFlight.length
    ? `In flight when it stopped: ${p.inFlight.map((e) => oneLine(e.what)).join(', ')} (sent; the answer was never seen).`
    : ''

function projectPart(p: JournalProject, j: JournalRead): string[] {
  const lines: string[] = []
  const where = [
    p.facts.project ? `Target project ${md(p.facts.project)}` : '',
    p.facts.tenant ? `on ${md(p.facts.tenant)}` : ''
  ]
    .filter(Boolean)
    .join(' ')
  if (where) lines.push(`${where}.`, '')
  if (p.outcome) lines.push(`This pipeline ended: ${md(p.outcome)}.`, '')
  else if (p.facts.step)
    lines.push(`It stopped during **${md(p.facts.step)}** (last journal line ${md(p.lastAt)}).`, '')
  const entries = settled(p)
  if (entries.length) {
    lines.push('| Write | State | Action | Result |', '| --- | --- | --- | --- |')
    for (const e of entries) {
      const flying = p.inFlight.some((f) => f.kind === e.kind && f.taskId === e.taskId)
      const state = flying ? 'in-flight' : e.state
      lines.push(
        `| ${md(e.what)} | ${STATE[state] ?? md(state)} | ${e.actionId ? mdCode(e.actionId) : ''} | ${md(flying ? '' : result(e))} |`
      )
    }
    lines.push('')
  }
  const mode = j.start?.mode
  if (mode === 'export' || mode === 'validate')
    lines.push(
      `- Mode ${md(mode)} sends no write to a target; the package artifact of this run may be missing: run again.`,
      ''
    )
  else if (j.start?.dryRun)
    lines.push('- A dry run sends no write: nothing was changed; run again for the plan.', '')
  else lines.push(...interruptedAccount(p).map((l) => `- ${md(l)}`), '')
  return lines
}

/** The job summary and the error annotation the post step writes. */
export function renderInterrupted(j: JournalRead): { markdown: string; annotation: string } {
  const set = j.projects.length > 1 || j.projects.some((p) => p.name !== undefined)
  const lines = [
    `## ⚠️ Qlik DI project${set ? 's' : ''}: the run did not finish`,
    '',
    "> **The main step stopped without writing its account** (killed after a cancelled job's grace period, a lost runner, a crash or out of memory). " +
      'What follows is its journal: every write as it was sent and answered, up to the moment it stopped.',
    ''
  ]
  if (j.start)
    lines.push(
      `Mode ${md(j.start.mode)}${j.start.dryRun ? ' (dry run)' : ''}, started ${md(j.start.at)}${j.start.runId ? `, run ${md(j.start.runId)}` : ''}.`,
      ''
    )
  if (j.projects.length === 0)
    lines.push('- It stopped before its first write was planned: nothing was changed.', '')
  for (const p of j.projects) {
    if (set) lines.push(`### ${md(p.name ?? 'the run')}`, '')
    lines.push(...projectPart(p, j))
  }
  if (j.unreadable)
    lines.push(
      `${j.unreadable} journal line(s) could not be read (cut short when the process was killed).`,
      ''
    )
  const annotation = [
    'The promotion did not finish: the main step stopped without writing its account.',
    ...j.projects.flatMap((p) => {
      const head = [
        p.name !== undefined ? `Project ${oneLine(p.name)}:` : '',
        p.outcome
          ? `ended ${p.outcome}.`
          : p.facts.step
            ? `${p.name !== undefined ? 'stopped' : 'It stopped'} during '${oneLine(p.facts.step)}'.`
            : ''
      ]
        .filter(Boolean)
        .join(' ')
      const account =
        j.start?.dryRun || j.start?.mode === 'export' || j.start?.mode === 'validate'
          ? []
          : interruptedAccount(p)
      // a line of ours each: a name cannot start a line of its own
      return [head, inFlightWords(p), ...account.map(oneLine)].filter(Boolean)
    })
  ].join('\n')
  return { markdown: lines.join('\n'), annotation }
}
