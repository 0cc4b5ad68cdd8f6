/**
 * The account as data: what changed on which tenant, what did not, what is unknown, how the target
 * ends and the way back (pipeline/ledger.ts makes it from the ledger's entries), and its words,
 * written once here: a line each for the log, the CLI and the error, and the parts of each line
 * for views that list them.
 */

/**
 * The account as data: what changed on which tenant, what did not, what is unknown, how the target
 * ends and the way back. `accountLines` words it; views render it.
 */
export interface Account {
  /** "the target tenant" or the tenant the writes went to, in words. */
  tenant: string
  /** No write was done or may have been: the ones the server refused (none: nothing was sent). */
  nothingChanged?: { refused: string[] }
  /** Each write done, in words. */
  changed: string[]
  /** Each write not done: refused or never sent, in words. */
  notChanged: string[]
  /** Each write whose answer was lost. */
  unknown: string[]
  /** How the target ends (a failed run): a project created and left empty, or as it was. */
  ends: { createdEmpty?: string; asBefore: boolean }
  /**
   * The way back (a failed run), step by step; `[]` with `converges`: nothing to do, run again.
   * Absent: the run succeeded, or there is nothing to say.
   */
  restore?: string[]
  converges?: boolean
}

/** One line of the account, and its parts when it lists several (a view lists them). */
export interface AccountLine {
  line: string
  /** The line's head ("Changed on ...", "To restore") and what it lists, in order. */
  head?: string
  items?: string[]
  /** The items are steps to take in order. */
  numbered?: boolean
}

const AS_BEFORE =
  'The target project ends as it was before this run: its bindings were put back and no import was applied.'

/** The account in words: one line each for changed, not changed, unknown, now, and restore. */
export function accountLines(a: Account): AccountLine[] {
  if (a.nothingChanged) {
    const refused = a.nothingChanged.refused
    return [
      {
        line: `Nothing was changed on ${a.tenant}: ${
          refused.length
            ? `the only write sent (${refused.join(', ')}) was refused by the server.`
            : 'no write was sent to it.'
        }`
      }
    ]
  }
  const lines: AccountLine[] = []
  if (a.changed.length) {
    const head = `Changed on ${a.tenant}`
    lines.push({ line: `${head}: ${a.changed.join('; ')}.`, head, items: a.changed })
  }
  if (a.notChanged.length) lines.push({ line: `Not changed: ${a.notChanged.join(', ')}.` })
  if (a.unknown.length) {
    const items = a.unknown.map(
      (x) => `${x} (the answer was lost: it may or may not have happened)`
    )
    lines.push({ line: `Outcome unknown: ${items.join('; ')}.`, head: 'Outcome unknown', items })
  }
  if (a.ends.createdEmpty)
    lines.push({
      line: `Project ${a.ends.createdEmpty} was created by this run and is empty: it never received an import. The API cannot delete projects: running again reuses it, or delete it in Qlik Cloud.`
    })
  if (a.ends.asBefore) lines.push({ line: AS_BEFORE })
  if (a.converges)
    lines.push({
      line: 'To restore: nothing to do; fix the cause and run again (it converges: the same project is reused).'
    })
  else if (a.restore?.length)
    lines.push({
      line: `To restore: ${a.restore.join('; then ')}.`,
      head: 'To restore',
      items: a.restore,
      numbered: true
    })
  return lines
}

/** The account's lines as text. */
export const accountWords = (a: Account): string[] => accountLines(a).map((l) => l.line)
