import { impactGroupLine, impactLine } from '../pipeline/steps/impact.js'
import type { SettingChange } from '../package/diff.js'
import type { RunReport } from '../model/report.js'
import { md, mdCode, mdLink } from '../text/escape.js'

/**
 * The release plan of a dry run as Markdown a reviewer can read (job summary, pull-request comment):
 * verdict, what the package changes on the target task by task, bindings, the checks, the steps.
 * Binding values are shown only where a reviewer may read them (given in clear, not a secret, not a
 * connection: `plan.values`), never in a drift check; setting values are, because they are in git.
 */

const code = mdCode
const list = (xs: string[]): string => (xs.length ? xs.map(code).join(', ') : 'none')
const value = (v: unknown): string => (v === undefined ? '–' : code(JSON.stringify(v)))
const setting = (c: SettingChange): string => `${code(c.path)}: ${value(c.from)} → ${value(c.to)}`

/** The hidden marker a workflow (or this action) finds its own comment by. */
export const PLAN_MARKER = '<!-- qlik-di-promote:plan -->'

/** Binding names, each with old → new where the value may be shown (never from ${ENV} or secret). */
function withValues(names: string[], p: NonNullable<RunReport['plan']>): string {
  if (!names.length) return 'none'
  return names
    .map((n) => {
      const v = p.values?.find((x) => x.name === n)
      if (!v) return code(n)
      return `${code(n)} (${v.from !== undefined ? `${value(v.from)} → ` : ''}${value(v.to)})`
    })
    .join(', ')
}

/**
 * `embedded`: inside the job summary, under its headline, which already says what the plan's title
 * and first sentence would (the pull-request comment and the plan file stand alone: they keep them).
 */
// eslint-disable-next-line max-lines-per-function -- issue 33: to be split (known when the rule came in)
export function planMarkdown(r: RunReport, o: { embedded?: boolean } = {}): string {
  const p = r.plan
  if (!p) return ''
  const target = r.target
  const lines: string[] = [PLAN_MARKER]
  if (!o.embedded)
    lines.push(
      `### ${p.canApply ? '✅' : '❌'} Release plan: ${md(r.source?.projectName || target?.projectName || 'project')} → ${md(target?.tenant ?? 'target')}`,
      '',
      p.canApply ? 'Dry run: nothing was changed. A real run would apply the changes below.' : '',
      ''
    )
  if (!p.canApply)
    lines.push(
      '**A real run would fail** before changing anything:',
      '',
      ...p.problems.map((x) => `- ❌ ${md(x)}`),
      ''
    )
  // a blocker is said once, above: below it is named
  const said = (detail: string | undefined): boolean =>
    !p.canApply && !!detail && p.problems.some((x) => x.includes(detail))
  // at a glance: what changes, and the running tasks a real run stops and starts again
  const counts = countLine(r)
  if (counts) lines.push(`**${counts}**`, '')
  const stops = p.steps.filter((st) => /^Stop \d+ running task/.test(st))
  for (const st of stops)
    lines.push(`- ⚠️ ${md(st)}, then started again after the deploy (quiesce).`, '')
  lines.push(
    `- Target project: **${md(target?.projectName ?? '')}** in space ${md(target?.spaceName ?? '')} (${p.project === 'create' ? 'will be **created**' : `exists, ${mdCode(target?.projectId)}`})`,
    ...(r.package
      ? [`- Package: ${md(r.package.format)}, sha256 ${code(r.package.sha256.slice(0, 12))}…`]
      : []),
    ...(p.fingerprint?.digest && p.canApply
      ? [
          `- Plan ${code(p.fingerprint.digest.slice(0, 12))}…: a run given this plan's JSON as ${code('plan-file')} applies exactly this, and is refused if the package, the bindings or the target change first`
        ]
      : []),
    ''
  )
  // what it costs the data, before the definitions: drops first, then what loads again
  const impact = p.impact
  const costly = impact?.tasks.filter((x) => x.kind !== 'definition') ?? []
  if (impact && costly.length) {
    const ICON = { drop: '🗑️', redefined: '🔄', new: '➕', kept: '📌', definition: '' } as const
    const order = ['drop', 'redefined', 'new', 'kept']
    lines.push(
      '**Data impact** (inferred from the package and the target, not from Qlik; Qlik decides at prepare):',
      '',
      ...[...costly]
        .filter((x) => x.kind === 'drop' || x.kind === 'redefined')
        .sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind))
        .map((x) => `- ${ICON[x.kind]} ${md(impactLine(x, impact))}`),
      // new tasks and tasks import keeps: one line each, however many
      ...(['new', 'kept'] as const).flatMap((k) => {
        const xs = costly.filter((x) => x.kind === k)
        return xs.length ? [`- ${ICON[k]} ${md(impactGroupLine(k, xs))}`] : []
      }),
      ...(impact.tasks.length > costly.length
        ? [
            `- ${impact.tasks.length - costly.length} task(s) change in definition only: no table is dropped or recreated`
          ]
        : []),
      ''
    )
  }
  const d = p.changes
  if (d) {
    const t = d.tasks
    lines.push('#### Tasks', '')
    if (!t.added.length && !t.removed.length && !t.changed.length) {
      lines.push(`No task changes (${t.unchanged.length} unchanged).`, '')
    } else {
      lines.push('| Change | Task | Type | What |', '| --- | --- | --- | --- |')
      for (const a of t.added)
        lines.push(
          `| ➕ added | ${md(a.name)} (${code(a.id)}) | ${md(a.type)} | ${a.datasets} dataset(s) |`
        )
      for (const c of t.changed) {
        const what = [
          ...(c.renamedFrom !== undefined ? [`renamed from ${md(c.renamedFrom)}`] : []),
          ...(c.typeFrom !== undefined ? [`type ${md(c.typeFrom)} → ${md(c.type)}`] : []),
          ...c.settings.map(setting),
          ...(c.datasetsAdded.length ? [`datasets added: ${list(c.datasetsAdded)}`] : []),
          ...(c.datasetsRemoved.length ? [`datasets removed: ${list(c.datasetsRemoved)}`] : []),
          ...(c.connections.length ? [`connection variable changed: ${list(c.connections)}`] : []),
          ...(c.files.length ? [`content changed: ${list(c.files)}`] : []),
          ...(c.descriptionChanged ? ['description changed'] : [])
        ]
        lines.push(
          `| ✏️ changed | ${md(c.name)} (${code(c.id)}) | ${md(c.type)} | ${what.join('<br>')} |`
        )
      }
      for (const x of t.removed)
        lines.push(
          `| ⚠️ on the target only | ${md(x.name)} (${code(x.id)}) | ${md(x.type)} | not in the package |`
        )
      lines.push('')
      if (t.unchanged.length) lines.push(`Unchanged: ${list(t.unchanged)}`, '')
    }
    if (d.project.settings.length || d.project.descriptionChanged) {
      lines.push(
        '#### Project settings',
        '',
        ...d.project.settings.map((c) => `- ${setting(c)}`),
        ...(d.project.descriptionChanged ? ['- description changed'] : []),
        ''
      )
    }
    if (d.variables.added.length || d.variables.removed.length)
      lines.push(
        '#### Variables the package declares',
        '',
        `- New: ${list(d.variables.added)}`,
        `- No longer declared: ${list(d.variables.removed)}`,
        ''
      )
  }
  lines.push(
    '#### Bindings on the target',
    '',
    `- Added: ${withValues(p.bindings.added, p)}`,
    `- Changed: ${withValues(p.bindings.changed, p)}`,
    `- Unchanged: ${p.bindings.unchanged.length}`,
    ...(p.bindings.undeclaredKept.length
      ? [`- On the target, not declared by the package (kept): ${list(p.bindings.undeclaredKept)}`]
      : []),
    ...p.connections.map(
      (c) =>
        `- Connection ${code(c.variable)}: ${md(c.status)}${c.detail ? (said(c.detail) ? ' (above)' : ` (${md(c.detail)})`) : ''}`
    ),
    ''
  )
  const failed = p.guards.filter((g) => g.status !== 'passed')
  // Qlik's definition check is not sent in every dry run: a check that did not run is not counted
  const preflight = r.steps.find((st) => st.name === 'Pre-flight check of the package')
  const notRun =
    preflight?.state === 'skipped'
      ? `; 1 not run in this dry run: Qlik's definition check (${md(preflight.detail ?? '')})`
      : ''
  lines.push(
    `#### Checks: ${p.guards.length - failed.length} of ${p.guards.length} passed${notRun}`,
    '',
    ...failed.map(
      (g) =>
        `- ${g.status === 'failed' ? '❌' : '⚠️'} ${md(g.check)}${said(g.detail) ? ' (above)' : `: ${md(g.detail)}`}`
    ),
    ...(failed.length ? [''] : []),
    '<details><summary>Steps a real run would take</summary>',
    '',
    ...p.steps.map((st, i) => `${i + 1}. ${md(st)}`),
    '',
    '</details>',
    ''
  )
  // a comment updated in place says which commit, which run and when
  const footer = [
    r.commit ? `commit ${code(r.commit.slice(0, 7))}` : '',
    mdLink('run', r.runUrl),
    r.finishedAt ? md(r.finishedAt.replace(/\.\d+Z$/, 'Z').replace('T', ' ')) : ''
  ].filter(Boolean)
  if (footer.length && !o.embedded) lines.push(`<sub>Plan of ${footer.join(' · ')}</sub>`, '')
  return lines.join('\n')
}

/** "2 task(s) changed, 1 added, 0 on the target only; 1 binding changed, 0 added" */
function countLine(r: RunReport): string {
  const p = r.plan
  if (!p) return ''
  const t = p.changes?.tasks
  const parts = [
    t
      ? `${t.changed.length} task(s) changed, ${t.added.length} added, ${t.removed.length} on the target only`
      : '',
    `${p.bindings.changed.length} binding(s) changed, ${p.bindings.added.length} added`
  ].filter(Boolean)
  return parts.join('; ')
}
