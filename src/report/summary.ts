import type { RunReport } from '../pipeline/report.js'
import { planMarkdown } from './plan.js'

/** The job summary (Markdown) of a run: steps, projects, artifact, bindings, per-task results. */

const esc = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ')
const dur = (ms: number): string => (ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`)
const icon = (state: string): string =>
  state === 'succeeded' || state === 'COMPLETED'
    ? '✅'
    : state === 'skipped' || state === 'SKIPPED'
      ? '⏭️'
      : '❌'

const WRITE_ICON: Record<string, string> = {
  done: '✅',
  refused: '🚫',
  unknown: '❓',
  'not-sent': '⏭️'
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
  const ok = r.outcome === 'succeeded'
  const lines = [
    `## ${ok ? '✅' : '❌'} Qlik DI project package: ${ok ? 'valid' : 'not valid'}`,
    ''
  ]
  if (!v) {
    lines.push(`> **Error:** ${esc(r.error ?? '')}`, '')
    return lines.join('\n')
  }
  const errors = v.problems.filter((p) => p.level === 'ERROR').length
  lines.push(
    `\`${esc(v.source)}\`: ${v.files} file(s), ${v.bytes} bytes zipped, sha256 \`${v.sha256}\`; ` +
      `${errors} error(s), ${v.problems.length - errors} warning(s). Checked offline against Qlik's published schemas.`,
    ''
  )
  if (v.problems.length) {
    lines.push('| | File | Line | Where | Problem |', '| --- | --- | --- | --- | --- |')
    for (const p of v.problems)
      lines.push(
        `| ${p.level === 'ERROR' ? '❌' : '⚠️'} | ${esc(p.path ?? p.file)} | ${p.line ?? ''} | \`${esc(p.pointer || '/')}\` | ${esc(p.message)}${p.schema ? ` (schema ${esc(p.schema)})` : ''} |`
      )
    lines.push('')
  }
  if (v.leftOut.length) lines.push(`Not part of the package: ${esc(v.leftOut.join(', '))}`, '')
  return lines.join('\n')
}

/** projects-file: the set's table, then each project's own summary, folded. */
function renderSet(r: RunReport): string {
  const ICON = { done: '✅', unchanged: '⏭️', failed: '❌', 'not-started': '⏸️' } as const
  const title =
    r.outcome !== 'succeeded'
      ? r.dryRun
        ? 'dry run: the set would fail'
        : 'the set failed'
      : r.drift
        ? r.drift.drifted
          ? 'drift: targets differ from the packages'
          : 'no drift: every target equals its package'
        : r.dryRun
          ? 'dry run: the set can be promoted'
          : 'the set was promoted'
  const ok = r.outcome === 'succeeded' && !r.drift?.drifted
  const lines = [`## ${ok ? '✅' : '❌'} Qlik DI projects: ${title}`, '']
  if (r.error) lines.push(`> **Error:** ${esc(r.error.split('\n')[0] ?? '')}`, '')
  lines.push('| # | Project | State | Target project | Detail |', '| --- | --- | --- | --- | --- |')
  ;(r.projects ?? []).forEach((p, i) =>
    lines.push(
      `| ${i + 1} | ${esc(p.name)} | ${ICON[p.state]} ${p.state}${p.drifted ? ' (drifted)' : ''} | ${p.targetProjectId ? `\`${p.targetProjectId}\`` : ''} | ${esc(p.error ?? p.reason ?? '')} |`
    )
  )
  lines.push('')
  for (const x of r.projectReports ?? []) {
    const { projectReports: _a, projects: _b, ...own } = x.report
    void _a
    void _b
    lines.push(
      `<details><summary>${esc(x.name)}</summary>`,
      '',
      renderSummary(own),
      '</details>',
      ''
    )
  }
  return lines.join('\n')
}

export function renderSummary(r: RunReport): string {
  if (r.projectReports) return renderSet(r)
  if (r.mode === 'validate') return renderValidation(r)
  const lines: string[] = []
  const title =
    r.outcome !== 'succeeded'
      ? r.drift
        ? 'Drift check failed'
        : 'Promotion failed'
      : r.drift
        ? r.drift.drifted
          ? 'Drift: the target differs from the package'
          : 'No drift: the target equals the package'
        : r.dryRun
          ? 'Dry run: the promotion can be applied'
          : r.unchanged
            ? 'Unchanged: the target already equals the package'
            : 'Promotion succeeded'
  const ok = r.outcome === 'succeeded' && !r.drift?.drifted
  lines.push(`## ${ok ? '✅' : '❌'} Qlik DI project: ${title}`, '')
  if (r.drift?.drifted)
    lines.push(
      `${r.drift.differences.length} difference(s) (binding values are not shown):`,
      '',
      ...r.drift.differences.map((d) => `- ${esc(d)}`),
      ''
    )
  if (r.error) {
    const [first, ...rest] = r.error.split('\n')
    lines.push(`> **Error:** ${esc(first ?? '')}`, ...rest.map((l) => `>\n> ${esc(l)}`), '')
  }
  lines.push('| | From | To |', '| --- | --- | --- |')
  lines.push(
    `| Tenant | ${esc(r.source?.tenant ?? '–')} | ${esc(r.target?.tenant ?? '–')} |`,
    `| Project | ${esc(r.source ? `${r.source.projectName} (\`${r.source.projectId}\`)` : '–')} | ${esc(
      r.target
        ? `${r.target.projectName}${r.target.projectId ? ` (\`${r.target.projectId}\`)` : ''}${r.target.created ? ' — created' : ''}`
        : '–'
    )} |`,
    `| Space | ${esc(r.source?.spaceId ?? '–')} | ${esc(r.target?.spaceName ?? '–')} |`,
    ''
  )
  lines.push('### Steps', '', '| Step | State | Duration | Detail |', '| --- | --- | --- | --- |')
  for (const s of r.steps)
    lines.push(
      `| ${esc(s.name)} | ${icon(s.state)} ${s.state} | ${dur(s.durationMs)} | ${esc(s.detail ?? '')} |`
    )
  lines.push('')
  if (r.ledger.entries.length || (r.outcome === 'failed' && r.ledger.account.length)) {
    lines.push('### Changes on the target', '')
    if (r.ledger.entries.length) {
      lines.push('| Write | State | Action | Result |', '| --- | --- | --- | --- |')
      for (const e of r.ledger.entries)
        lines.push(
          `| ${esc(e.what)} | ${WRITE_ICON[e.state]} ${e.state} | ${e.actionId ? `\`${e.actionId}\`` : ''} | ${esc(e.result ?? e.error ?? '')} |`
        )
      lines.push('')
    }
    lines.push(...r.ledger.account.map((l) => `- ${esc(l)}`), '')
  }
  if (r.guards?.length) {
    lines.push(
      '### Checks before the first write',
      '',
      '| Check | Result | Detail |',
      '| --- | --- | --- |',
      ...r.guards.map(
        (g) => `| ${esc(g.check)} | ${GUARD_ICON[g.status]} ${g.status} | ${esc(g.detail)} |`
      ),
      ''
    )
  }
  if (r.package) {
    lines.push(
      '### Package',
      '',
      `- Format ${r.package.format}, export mode ${r.package.exportMode}, ${r.package.bytes} bytes`,
      `- sha256 \`${r.package.sha256}\``,
      ...(r.artifact
        ? [
            `- Artifact **${esc(r.artifact.name)}** (${r.artifact.kind}: ${esc(r.artifact.location)})`
          ]
        : []),
      ...(r.backup
        ? [
            `- Backup of the target before this run: **${esc(r.backup.name)}** (${esc(r.backup.location)})`
          ]
        : []),
      ''
    )
  }
  if (r.bindings) {
    const b = r.bindings
    lines.push(
      '### Bindings',
      '',
      `Source: ${esc(b.source)}. ${b.applied.length} variable(s) sent to the target (values not shown).`,
      ''
    )
    if (b.changed.length) lines.push(`- Changed: ${b.changed.map((v) => `\`${v}\``).join(', ')}`)
    if (b.added.length) lines.push(`- Added: ${b.added.map((v) => `\`${v}\``).join(', ')}`)
    if (b.unknown.length)
      lines.push(
        `- ⚠️ Not declared by the package (typos?): ${b.unknown.map((v) => `\`${v}\``).join(', ')}`
      )
    if (b.missing.length) lines.push(`- ❌ Missing: ${b.missing.map((v) => `\`${v}\``).join(', ')}`)
    lines.push('')
  }
  if (r.plan) lines.push(planMarkdown(r))
  if (r.runs.length) {
    const EVENT: Record<string, string> = {
      completed: '✅',
      started: '▶️',
      stopped: '⏹️',
      failed: '❌'
    }
    lines.push(
      '### Task runs',
      '',
      '| Why | Task | Event | State | Start | End | Message |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      ...r.runs.map(
        (x) =>
          `| ${x.why} | ${esc(x.name)} | ${EVENT[x.event] ?? ''} ${x.event} | ${x.state} | ${x.startTime ?? ''} | ${x.endTime ?? ''} | ${esc(x.message ?? '')} |`
      ),
      ''
    )
  }
  if (r.dataStores) {
    lines.push(
      '### Data stores',
      '',
      `- Found: ${r.dataStores.found.map((n) => `\`${n}\``).join(', ') || 'none'}`,
      ...(r.dataStores.missing.length
        ? [`- ❌ Missing: ${r.dataStores.missing.map((n) => `\`${n}\``).join(', ')}`]
        : []),
      ''
    )
  }
  if (r.tasks.length) {
    lines.push('### Tasks', '', '| Action | Task | State | Message |', '| --- | --- | --- | --- |')
    for (const t of r.tasks)
      lines.push(
        `| ${t.step} | ${esc(t.name)} | ${icon(t.state)} ${t.state} | ${esc(t.message ?? '')} |`
      )
    lines.push('')
  }
  return lines.join('\n')
}
