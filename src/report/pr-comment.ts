import { readFileSync } from 'node:fs'
import { getOctokit } from '@actions/github'
import { PLAN_MARKER } from './plan.js'
import type { Runner } from '../runner.js'

/**
 * On a pull request, the dry run's release plan goes to the pull request as ONE comment, found again
 * by its hidden marker and updated in place on each push, never duplicated. Needs `github-token`
 * with `pull-requests: write`. A comment that cannot be posted is a warning: the plan is in the job
 * summary and at `plan-path` anyway.
 */

export interface CommentTarget {
  owner: string
  repo: string
  number: number
}

/** The pull request of this event, if it is one (pull_request / pull_request_target). */
export function pullRequestOf(
  runner: Pick<Runner, 'event' | 'repository'>
): CommentTarget | undefined {
  const path = runner.event.path
  if (!runner.event.name.startsWith('pull_request') || !path || !runner.repository) return undefined
  let payload: { pull_request?: { number?: unknown }; number?: unknown }
  try {
    payload = JSON.parse(readFileSync(path, 'utf8'))
  } catch {
    return undefined
  }
  const number = Number(payload.pull_request?.number ?? payload.number)
  const [owner, repo] = runner.repository.split('/')
  if (!Number.isInteger(number) || number <= 0 || !owner || !repo) return undefined
  return { owner, repo, number }
}

/** Create the plan comment, or update the one this action posted before. Returns its URL. */
export async function upsertPlanComment(
  token: string,
  target: CommentTarget,
  body: string,
  baseUrl?: string
): Promise<{ url: string; updated: boolean }> {
  const octokit = getOctokit(token, baseUrl ? { baseUrl } : {})
  const { owner, repo, number } = target
  const comments = await octokit.paginate(octokit.rest.issues.listComments, {
    owner,
    repo,
    issue_number: number,
    per_page: 100
  })
  const mine = comments.find((c) => typeof c.body === 'string' && c.body.startsWith(PLAN_MARKER))
  if (mine) {
    const r = await octokit.rest.issues.updateComment({ owner, repo, comment_id: mine.id, body })
    return { url: r.data.html_url, updated: true }
  }
  const r = await octokit.rest.issues.createComment({ owner, repo, issue_number: number, body })
  return { url: r.data.html_url, updated: false }
}
