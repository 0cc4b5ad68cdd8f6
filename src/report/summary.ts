import { runDurationMs, type RunReport } from '../model/report.js'
import { md, mdCode, mdLink } from '../text/escape.js'
import { planMarkdown } from './plan.js'
import { accountLines } from '../model/account.js'
import { outcomeOf, rowOf, tallyOf, titleOf, type Outcome } from '../model/outcome.js'
import { REPLAN } from '../model/plan.js'

/** The job summary (Markdown) of a run: steps, projects, artifact, bindings, per-task results. */

const dur = (ms: number): string => (ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`)
const icon = (state: string): string =>
  state === 'succeeded' || state === 'COMPLETED'
    ? '✅'
    : state === 'skipped' || state === 'SKIPPED'
      ? '⏭️'
      : '❌'

/** A write's state in words, with its icon (the post step's summary says them the same way). */
export const WRITE_STATE: Record<string, string> = {
  done: '✅ done',
  refused: '🚫 refused by the server',
  unknown: '❓ outcome unknown',
  'not-sent': '⏭️ not sent'
}

/** A write's state in words, its icon following what became of it (a started import that FAILED is ❌). */
function writeState(state: string, result: string | undefined): string {
  if (state === 'done' && result && ['FAILED', 'CANCELED'].includes(result))
    return '❌ done, ended ' + md(result)
  return WRITE_STATE[state] ?? md(state)
}
const GUARD_ICON: Record<string, string> = {
  passed: '✅',
  failed: '❌',
  warning: '⚠️',
  unknown: '❔'
}

/** Mode validate: the offline check, problem by problem. */
function renderValidation(r: RunReport): string {
  const v = r.validation
  // bad input or a cancelled check: the package was not found valid
  const o = outcomeOf(r)
  const shown: Outcome = o.kind === 'valid' ? o : { kind: 'invalid' }
  const lines = [`## ${rowOf(shown).icon} ${titleOf(shown)}`, '']
  if (!v) {
    lines.push(`> **Error:** ${md(r.error ?? '')}`, '')
    return lines.join('\n')
  }
  const errors = v.problems.filter((p) => p.level === 'ERROR').length
  lines.push(
    `${mdCode(v.source)}: ${v.files} file(s), ${v.bytes} bytes zipped, sha256 ${mdCode(v.sha256)}; ` +
      `${errors} error(s), ${v.problems.length - errors} warning(s). Checked offline against Qlik's published schemas.`,
    ''
  )
  if (v.problems.length) {
    lines.push('| | File | Line | Where | Problem |', '| --- | --- | --- | --- | --- |')
    for (const p of v.problems)
      lines.push(
        `| ${p.level === 'ERROR' ? '❌' : '⚠️'} | ${md(p.path ?? p.file)} | ${p.line ?? ''} | ${mdCode(p.pointer || '/')} | ${md(p.message)}${p.schema ? ` (schema ${md(p.schema)})` : ''} |`
      )
    lines.push('')
  }
  if (v.leftOut.length) lines.push(`Not part of the package: ${md(v.leftOut.join(', '))}`, '')
  return lines.join('\n')
}

/** projects-file: the set's table, then each project's own summary, folded. */
function renderSet(r: RunReport): string {
  const ICON = {
    done: '✅',
    unchanged: '⏭️',
    failed: '❌',
    cancelled: '⏹️',
    'not-started': '⏸️'
  } as const
  const o = escaped(outcomeOf(r))
  const t = tallyOf(r)
  if (t.failedAt !== undefined) t.failedAt = md(t.failedAt)
  const mark = rowOf(o).icon
  const title = rowOf(o).setTitle(o as never, t)
  const tenant = (r.projectReports ?? []).map((x) => x.report.target?.tenant).find(Boolean)
  const lines = [`## ${mark} ${title}${tenant ? ` → ${md(tenant)}` : ''}`, '']
  const facts = [
    took(r) ? `Took ${took(r)}` : '',
    `mode ${md(r.mode)}${r.dryRun ? ' (dry run: nothing is sent to the targets)' : ''}`,
    mdLink('this run', r.runUrl)
  ].filter(Boolean)
  lines.push(`${facts.join(' · ')}.`, '')
  if (r.error) lines.push(`> **Error:** ${md(r.error.split('\n')[0] ?? '')}`, '')
  // plan-file: each project against its own reviewed plan
  const checked = (r.projectReports ?? []).filter((x) => x.report.planCheck)
  const refused = checked.filter((x) => x.report.planCheck?.differences.length)
  if (checked.length)
    lines.push(
      refused.length
        ? `**${refused.length} of ${checked.length} project(s) are not their reviewed plan** (plan-file): ${refused.map((x) => md(x.name)).join(', ')}; nothing was sent to them. Each difference is under its project below.`
        : `Each of the ${checked.length} project(s) was checked against its reviewed plan (plan-file) before its first write, and applied it.`,
      ''
    )
  lines.push('| # | Project | State | Target project | Detail |', '| --- | --- | --- | --- | --- |')
  ;(r.projects ?? []).forEach((p, i) =>
    lines.push(
      `| ${i + 1} | ${md(p.name)} | ${ICON[p.state] ?? ''} ${md(p.state === 'not-started' ? 'not started' : p.state)}${p.drifted ? ' (drifted)' : ''} | ${p.targetProjectId ? mdCode(p.targetProjectId) : ''} | ${md(p.error ?? p.reason ?? '')} |`
    )
  )
  lines.push('')
  for (const x of r.projectReports ?? []) {
    const { projectReports: _a, projects: _b, ...own } = x.report
    void _a
    void _b
    lines.push(
      `<details><summary>${md(x.name)}</summary>`,
      '',
      renderSummary(own),
      '</details>',
      ''
    )
  }
  return lines.join('\n')
}

/** The outcome with the names it carries (a step, a signal, a project) escaped for Markdown. */
function escaped(o: Outcome): Outcome {
  const out: Record<string, unknown> = { ...o }
  for (const k of ['step', 'signal', 'during'] as const)
    if (typeof out[k] === 'string') out[k] = md(out[k] as string)
  return out as unknown as Outcome
}

/** The headline of a run: its outcome's icon and words (model/outcome.ts). */
export function headline(r: RunReport): { icon: string; title: string } {
  const o = escaped(outcomeOf(r))
  return { icon: rowOf(o).icon, title: titleOf(o) }
}

const took = (r: RunReport): string | undefined => {
  const ms = runDurationMs(r)
  return ms === undefined ? undefined : dur(ms)
}

/**
 * The account as lists a reader can follow: a line that lists several writes lists them one per
 * line, the way back as numbered steps. The words are the account's own (model/account.ts).
 */
function accountMarkdown(r: RunReport): string[] {
  if (!r.ledger.parts) return r.ledger.account.map((l) => `- ${md(l)}`)
  return accountLines(r.ledger.parts).flatMap((l) =>
    l.head && l.items && l.items.length > 1
      ? [
          `- ${md(l.head)}:`,
          ...l.items.map((x, i) => `  ${l.numbered ? `${i + 1}.` : '-'} ${md(x)}`)
        ]
      : [`- ${md(l.line)}`]
  )
}

/** A fold: the detail a reader opens when the headline is not enough. */
const fold = (summary: string, body: string[], open = false): string[] => [
  `<details${open ? ' open' : ''}><summary>${summary}</summary>`,
  '',
  ...body,
  '</details>',
  ''
]

/** What became of the bindings: a run that stopped before setting them sent none. */
function bindingsWords(r: RunReport): string {
  if (r.drift) return 'compared with the target'
  if (r.dryRun) return 'would be sent to the target'
  if (r.unchanged) return 'equal to the target (not sent again)'
  const set = r.ledger.entries.find((e) => e.kind === 'set-bindings')
  if (set?.state === 'unknown') return 'sent to the target (whether they were set is unknown)'
  return set?.state === 'done'
    ? 'sent to the target'
    : 'to be sent to the target; none was sent (the run ended before)'
}

/** plan-file: the plan this run applied, or each difference that refused it. */
function planCheckLines(c: NonNullable<RunReport['planCheck']>): string[] {
  const run = c.run && /^https?:/.test(c.run) ? mdLink("the plan's run", c.run) : md(c.run ?? '')
  const plan = `${mdCode(c.digest.slice(0, 12))}… (made ${md(c.madeAt)}${run ? ` by ${run}` : ''}${c.commit ? ` at commit ${mdCode(c.commit.slice(0, 12))}` : ''})`
  if (!c.differences.length)
    return [
      `Applied the reviewed plan ${plan}: before the first write, the package, the bindings it sends, the target and the steps were the plan's.`,
      ''
    ]
  return [
    `> **This run is not the reviewed plan** ${plan}; nothing was sent to the target. ${c.differences.length} difference(s) (binding values are not shown):`,
    '',
    ...c.differences.map((d) => `- ${md(d)}`),
    '',
    `${md(REPLAN)}.`,
    ''
  ]
}

// eslint-disable-next-line max-lines-per-function -- issue 33: to be split (known when the rule came in)
export function renderSummary(r: RunReport): string {
  if (r.projectReports) return renderSet(r)
  if (r.mode === 'validate') return renderValidation(r)
  const lines: string[] = []
  const { icon: mark, title } = headline(r)
  const name = r.target?.projectName ?? r.source?.projectName
  const subject = name
    ? ` · ${md(name)}${r.target?.tenant && r.mode !== 'export' ? ` → ${md(r.target.tenant)}` : ''}`
    : ''
  lines.push(`## ${mark} ${title}${subject}`, '')
  const facts = [
    took(r) ? `Took ${took(r)}` : '',
    `mode ${md(r.mode)}${r.dryRun ? ' (dry run: nothing is sent to the target)' : ''}`,
    mdLink('this run', r.runUrl),
    mdLink('the package', r.artifact?.url)
  ].filter(Boolean)
  lines.push(`${facts.join(' · ')}.`, '')
  if (r.drift?.drifted)
    lines.push(
      `${r.drift.differences.length} difference(s) (binding values are not shown):`,
      '',
      ...r.drift.differences.map((d) => `- ${md(d)}`),
      ''
    )
  // a dry run's plan leads its summary and states its own blockers: the rest is detail
  const planned = r.dryRun && r.plan !== undefined && !r.drift
  // the error once: its account is under "Changes on the target", a blocker is in the plan
  const error = r.error?.split('\n')[0]
  // a refusal by the plan is its list of differences; a failure after the plan applied, its error
  if (r.planCheck) lines.push(...planCheckLines(r.planCheck))
  if (error && !(planned && !r.plan?.canApply) && !r.planCheck?.differences.length)
    lines.push(`> **Error:** ${md(error)}`, '')
  // where from and where to, once something is known of either
  if (r.source || r.target) {
    const space = (id?: string, name?: string): string => (name ? md(name) : id ? mdCode(id) : '–')
    lines.push(
      '| | From | To |',
      '| --- | --- | --- |',
      `| Tenant | ${md(r.source?.tenant ?? '–')} | ${md(r.target?.tenant ?? '–')} |`,
      `| Project | ${r.source ? `${md(r.source.projectName)} (${mdCode(r.source.projectId)})` : '–'} | ${
        r.target
          ? `${md(r.target.projectName)}${r.target.projectId ? ` (${mdCode(r.target.projectId)})` : ''}${r.target.created ? ' — created' : ''}`
          : '–'
      } |`,
      `| Space | ${space(r.source?.spaceId, r.source?.spaceName)} | ${space(r.target?.spaceId, r.target?.spaceName)} |`,
      ''
    )
  }
  if (planned) lines.push(planMarkdown(r, { embedded: true }))
  if (r.steps.length) {
    const steps = ['| Step | State | Duration | Detail |', '| --- | --- | --- | --- |']
    for (const s of r.steps)
      steps.push(
        `| ${md(s.name)} | ${icon(s.state)} ${md(s.state)} | ${dur(s.durationMs)} | ${s.state === 'failed' && s.detail?.split('\n')[0] === error ? (r.planCheck?.differences.length ? 'the differences above' : 'the error above') : md(s.detail ?? '')} |`
      )
    lines.push(...fold(`Steps (${r.steps.length})`, [...steps, '']))
  }
  if (r.http)
    lines.push(
      `Requests: ${r.http.retries} sent again after a server error, reset or timeout; ${r.http.rateLimited} rate-limit wait(s) (429). Each is a line of the log.`,
      ''
    )
  // a dry run sends no write: its facts line says so
  if (
    !r.dryRun &&
    (r.ledger.entries.length || (r.outcome !== 'succeeded' && r.ledger.account.length))
  ) {
    lines.push('### Changes on the target', '')
    lines.push(...accountMarkdown(r), '')
    if (r.ledger.entries.length) {
      const writes = ['| Write | State | Action | Result |', '| --- | --- | --- | --- |']
      for (const e of r.ledger.entries)
        writes.push(
          `| ${md(e.what)} | ${writeState(e.state, e.result)} | ${e.actionId ? mdCode(e.actionId) : ''} | ${md(e.result === 'unknown' ? 'end not seen' : (e.result ?? e.error ?? ''))} |`
        )
      lines.push(...fold(`Writes (${r.ledger.entries.length})`, [...writes, '']))
    }
  }
  if (r.guards?.length) {
    const failed = r.guards.filter((g) => g.status === 'failed').length
    lines.push(
      ...fold(
        `Checks before the first write (${r.guards.length}${failed ? `, ${failed} failed` : ''})`,
        [
          '| Check | Result | Detail |',
          '| --- | --- | --- |',
          ...r.guards.map(
            (g) =>
              `| ${md(g.check)} | ${GUARD_ICON[g.status] ?? ''} ${md(g.status)} | ${md(g.detail)} |`
          ),
          ''
        ],
        failed > 0 && !planned
      )
    )
  }
  if (r.package) {
    lines.push(
      '### Package',
      '',
      `- Format ${md(r.package.format)}, export mode ${md(r.package.exportMode)}, ${r.package.bytes} bytes`,
      `- sha256 ${mdCode(r.package.sha256)}`,
      ...(r.artifact
        ? [
            `- Artifact **${md(r.artifact.name)}** (${r.artifact.url ? mdLink('download', r.artifact.url) : `${md(r.artifact.kind)}: ${md(r.artifact.location)}`})`
          ]
        : []),
      ...(r.backup
        ? [
            `- Backup of the target before this run: **${md(r.backup.name)}** (${r.backup.url ? mdLink('download', r.backup.url) : md(r.backup.location)})`
          ]
        : []),
      ''
    )
  }
  if (r.bindings && !planned) {
    const b = r.bindings
    lines.push(
      '### Bindings',
      '',
      `Source: ${md(b.source)}. ${b.applied.length} variable(s) ${bindingsWords(r)} (values not shown).`,
      ''
    )
    if (b.changed.length) lines.push(`- Changed: ${b.changed.map((v) => mdCode(v)).join(', ')}`)
    if (b.added.length) lines.push(`- Added: ${b.added.map((v) => mdCode(v)).join(', ')}`)
    if (b.unknown.length)
      lines.push(
        `- ⚠️ Not declared by the package (typos?): ${b.unknown.map((v) => mdCode(v)).join(', ')}`
      )
    if (b.missing.length) lines.push(`- ❌ Missing: ${b.missing.map((v) => mdCode(v)).join(', ')}`)
    lines.push('')
  }
  if (r.runs.length) {
    const EVENT: Record<string, string> = {
      completed: '✅',
      started: '▶️',
      stopped: '⏹️',
      failed: '❌'
    }
    // times of day (UTC) and durations: full timestamps squeeze the task names onto many lines
    const clock = (t?: string): string => (t ? (/T(\d\d:\d\d:\d\d)/.exec(t)?.[1] ?? t) : '')
    const span = (a?: string, b?: string): string => {
      const ms = a && b ? Date.parse(b) - Date.parse(a) : NaN
      return Number.isFinite(ms) && ms >= 0 ? dur(ms) : ''
    }
    const said = r.runs.some((x) => x.message)
    lines.push(
      '### Task runs',
      '',
      `| Task | Event | State | Started (UTC) | Took | Why |${said ? ' Message |' : ''}`,
      `| --- | --- | --- | --- | --- | --- |${said ? ' --- |' : ''}`,
      ...r.runs.map(
        (x) =>
          `| ${md(x.name)} | ${EVENT[x.event] ?? ''} ${md(x.event)} | ${md(x.state)} | ${md(clock(x.startTime))} | ${md(span(x.startTime, x.endTime))} | ${md(x.why)} |${said ? ` ${md(x.message)} |` : ''}`
      ),
      ''
    )
  }
  if (r.dataStores) {
    lines.push(
      '### Data stores',
      '',
      `- Found: ${r.dataStores.found.map((n) => mdCode(n)).join(', ') || 'none'}`,
      ...(r.dataStores.missing.length
        ? [`- ❌ Missing: ${r.dataStores.missing.map((n) => mdCode(n)).join(', ')}`]
        : []),
      ''
    )
  }
  if (r.tasks.length) {
    const bad = r.tasks.filter((t) => t.state !== 'COMPLETED' && t.state !== 'SKIPPED').length
    const rows = ['| Action | Task | State | Message |', '| --- | --- | --- | --- |']
    for (const t of r.tasks)
      rows.push(
        `| ${md(t.step)} | ${md(t.name)} | ${icon(t.state)} ${md(t.state)} | ${md(t.message)} |`
      )
    lines.push(
      ...fold(
        `Tasks in Qlik's actions (${r.tasks.length}${bad ? `, ${bad} not completed` : ''})`,
        [...rows, ''],
        bad > 0
      )
    )
  }
  return lines.join('\n')
}
