/**
 * The one boundary for text that leaves the process. Names, descriptions, error texts and file
 * names come from a tenant's editors or from a pull request: they are data, and each channel they
 * go to has its own way of turning data into something else. One function per channel:
 *
 * - `logLines`: a line of the runner's log (stdout), or an annotation's message. No line can start
 *   a workflow command (`::warning::`, `::add-mask::`, `::stop-commands::`, the older `##[...]`),
 *   and control characters (ESC sequences, C1, bidirectional overrides) are shown escaped.
 * - `terminalLines`: a line of the CLI's output (a TTY or a file): control characters shown escaped,
 *   so that a name can neither move the cursor, recolour the screen nor hide text.
 * - `md` / `mdCode`: text inside Markdown or HTML (job summary, plan comment, issue): every
 *   character Markdown or HTML gives a meaning to is an entity, line breaks are spaces, `@` cannot
 *   mention anyone. No raw HTML from data, whatever the context (a table cell, a `<summary>`).
 * - `quote`: one value inside a sentence of ours (any channel): quoted, on one line, its control
 *   characters visible, so that a name cannot forge a line of its own.
 *
 * The reporters apply `logLines` / `terminalLines` to every message; renderers of Markdown apply
 * `md` to every piece of data. A test poisons every string of a report and checks each channel.
 */

/* eslint-disable no-control-regex -- this module names the control characters it escapes */

/** C0 (but the line break and tab we write ourselves), DEL, C1, bidi controls, line separators. */
const CONTROL =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g
const CONTROL_AND_BREAKS =
  /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g

const HAS_CONTROL = new RegExp(CONTROL_AND_BREAKS.source)

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\u001b': '\\e' }

function visible(c: string): string {
  const named = NAMED[c]
  if (named) return named
  const code = c.charCodeAt(0)
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`
}

/** Control characters (line breaks too) shown as escapes: text that stays on one line. */
export function oneLine(s: string): string {
  return String(s).replace(CONTROL_AND_BREAKS, visible)
}

/** A value inside a sentence: quoted, on one line. */
export function quote(s: string): string {
  return `'${oneLine(s)}'`
}

/**
 * A workflow command is a line that starts with `::` (the runner trims it first) or, in the runner's
 * older syntax, holds `##[`. A zero-width space between the two characters makes either plain text
 * that reads the same.
 */
function inertCommand(line: string): string {
  return line.replace(/^(\s*):(?=:)/, '$1:\u200b').replace(/#(?=#\[)/g, '#\u200b')
}

/** A message for the runner's log or an annotation: one line per `\n`, none a workflow command. */
export function logLines(message: string): string {
  return String(message)
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((l) => inertCommand(l.replace(CONTROL, visible)))
    .join('\n')
}

/**
 * A message for a terminal: the same rule as the log (its own line breaks kept, every other control
 * character escaped, no line a workflow command), because the command line may itself run in a
 * workflow step.
 */
export const terminalLines = logLines

const MD: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '`': '&#96;',
  '|': '&#124;',
  '\\': '&#92;',
  '[': '&#91;',
  ']': '&#93;',
  '*': '&#42;',
  // a zero-width space after it: `@team` in a name mentions nobody
  '@': '@&#8203;'
}

/**
 * Data inside Markdown or HTML: every character either gives a meaning to is an entity (quotes are
 * not: data never goes into an attribute; entities are valid in
 * table cells and inside HTML blocks alike), line breaks are spaces, control characters visible.
 */
export function md(s: string | number | undefined | null): string {
  if (s === undefined || s === null) return ''
  // a line break is a space, and none at the ends (`**name **` would not be bold)
  return String(s)
    .trim()
    .replace(/\r\n|\r|\n/g, ' ')
    .replace(CONTROL_AND_BREAKS, visible)
    .replace(/[&<>`|\\[\]*@]/g, (c) => MD[c] as string)
}

/**
 * Data shown as code. A code span shows its content as it is (no HTML, no Markdown, no mention), so
 * it is used whenever the value has no backtick, line break, control character or `|` (which would
 * end a table cell); otherwise `<code>` with the content escaped (a code span would show entities).
 */
export function mdCode(s: string | number | undefined | null): string {
  const v = s === undefined || s === null ? '' : String(s)
  return v !== '' && !/[`|]/.test(v) && !HAS_CONTROL.test(v) ? `\`${v}\`` : `<code>${md(v)}</code>`
}

/**
 * A sentence of ours with data in it: every interpolated value is put on one line (`oneLine`), so
 * that a name holding a line break cannot forge a line of its own. For log lines, ledger entries
 * and plans: `say\`Source project: ${p.name} (${p.id})\``.
 */
export function say(strings: TemplateStringsArray, ...values: unknown[]): string {
  let out = strings[0] ?? ''
  values.forEach((v, i) => {
    out += oneLine(String(v)) + (strings[i + 1] ?? '')
  })
  return out
}

/** A Markdown link to a URL we built from the runner's own variables: only a plain http(s) URL. */
export function mdLink(text: string, url: string | undefined): string {
  return url && /^https?:\/\/[^\s()<>[\]]+$/.test(url) ? `[${text}](${url})` : ''
}
