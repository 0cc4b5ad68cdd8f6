import { oneLine } from '../text/escape.js'
import { getOctokit } from '@actions/github'
import type { RunReport } from '../model/report.js'
import { renderSummary } from './summary.js'

/**
 * mode drift with `drift-issue: true`: one GitHub issue per target project while it drifts from
 * git. Found again by a hidden marker naming the tenant and the project (like the pull-request
 * comment), it is opened when drift is found, updated in place on each later run, and closed with a
 * comment once the target equals the package again. Needs `github-token` with `issues: write`.
 */

export interface Repo {
  owner: string
  repo: string
}

/** The hidden marker of a target's issue; a name cannot end the comment (no `<`, `>` or line break). */
export const driftMarker = (tenant: string, project: string): string =>
  `<!-- qlik-di-promote:drift ${inComment(tenant)}/${inComment(project)} -->`

const inComment = (s: string): string => oneLine(s).replace(/</g, '&lt;').replace(/>/g, '&gt;')

/** GitHub refuses issue bodies over 65,536 characters. */
const MAX_BODY = 60_000

export interface DriftIssueResult {
  project: string
  action: 'opened' | 'updated' | 'closed' | 'none'
  url?: string
}

/** The per-project reports of a drift run (one, or each project of a set that was compared). */
function driftReports(r: RunReport): RunReport[] {
  const all = r.projectReports ? r.projectReports.map((x) => x.report) : [r]
  return all.filter((x) => x.drift && x.target?.tenant && x.target.projectName)
}

export async function syncDriftIssues(
  token: string,
  where: Repo,
  report: RunReport,
  runUrl?: string
): Promise<DriftIssueResult[]> {
  const octokit = getOctokit(token)
  const { owner, repo } = where
  const open = await octokit.paginate(octokit.rest.issues.listForRepo, {
    owner,
    repo,
    state: 'open',
    per_page: 100
  })
  const out: DriftIssueResult[] = []
  for (const r of driftReports(report)) {
    const tenant = r.target?.tenant as string
    const project = r.target?.projectName as string
    const marker = driftMarker(tenant, project)
    const mine = open.find(
      (i) => !i.pull_request && typeof i.body === 'string' && i.body.startsWith(marker)
    )
    const drifted = r.drift?.drifted === true
    if (drifted) {
      const text = `${marker}\n${renderSummary(r)}${runUrl ? `\n\nLast checked by ${runUrl}` : ''}`
      const body =
        text.length > MAX_BODY
          ? `${text.slice(0, MAX_BODY)}\n\n… (cut: the whole report is in the run's summary)`
          : text
      if (mine) {
        const u = await octokit.rest.issues.update({ owner, repo, issue_number: mine.number, body })
        out.push({ project, action: 'updated', url: u.data.html_url })
      } else {
        const c = await octokit.rest.issues.create({
          owner,
          repo,
          title: oneLine(`Drift: ${project} on ${tenant} differs from git`).slice(0, 250),
          body
        })
        out.push({ project, action: 'opened', url: c.data.html_url })
      }
    } else if (mine) {
      await octokit.rest.issues.createComment({
        owner,
        repo,
        issue_number: mine.number,
        body: `The target equals the package again: no drift${runUrl ? ` (${runUrl})` : ''}. Closing.`
      })
      const u = await octokit.rest.issues.update({
        owner,
        repo,
        issue_number: mine.number,
        state: 'closed'
      })
      out.push({ project, action: 'closed', url: u.data.html_url })
    } else out.push({ project, action: 'none' })
  }
  return out
}
