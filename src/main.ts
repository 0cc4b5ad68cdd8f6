import * as core from '@actions/core'
import { readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readActionInputs } from './inputs.js'
import { runnerOf, workflowRunUrl, type Runner } from './runner.js'
import { OptionsError, parseOptions } from './options.js'
import { outputsOf } from './outputs.js'
import { realClock } from './pipeline/ports.js'
import { ActionReporter } from './report/action-reporter.js'
import { pullRequestOf, upsertPlanComment } from './report/pr-comment.js'
import { syncDriftIssues } from './report/drift-issue.js'
import type { RunReport } from './model/report.js'
import { outcomeOf, rowOf } from './model/outcome.js'
import { renderSummary } from './report/summary.js'
import { reportPathProblem, runPipeline, uploadReport } from './setup.js'
import { Cancellation, installSignals } from './pipeline/cancel.js'
import { Journal, JOURNAL_STATE } from './pipeline/journal.js'
import type { Options } from './options.js'

/** The action adapter: read inputs, run the pipeline, set outputs, write the summary and report. */
export async function run(): Promise<void> {
  const log = new ActionReporter()
  let options
  try {
    options = parseOptions(readActionInputs())
  } catch (e) {
    log.fail(
      e instanceof OptionsError
        ? `Invalid input: ${e.message}`
        : `Unexpected error: ${(e as Error).message}`
    )
    return
  }
  const env = process.env
  const runner = runnerOf(env)
  const reportPath =
    options.reportPath || join(runner.temp ?? tmpdir(), 'qlik-di-promote-report.json')
  const reportProblem = reportPathProblem(reportPath)
  if (reportProblem) {
    log.fail(`Invalid input: ${reportProblem}`)
    return
  }
  const cancel = new Cancellation()
  const uninstall = installSignals(cancel, (m) => log.warning(m, { title: 'Run cancelled' }))
  const journal = openJournal(log, options, runner)
  const report = await runPipeline(
    {
      options,
      cancel,
      reporter: log,
      clock: realClock,
      env,
      onSecret: (s) => core.setSecret(s),
      ...(journal ? { journal } : {})
    },
    reportPath
  ).finally(uninstall)
  // a cancelled run uploads within what is left of its grace period, or not at all
  const kept = await cancel
    .bound(uploadReport(report, reportPath, options, env, log))
    .catch(() => undefined)
  if (kept) report.reportArtifact = kept
  for (const [name, value] of Object.entries(outputsOf(report, reportPath)))
    core.setOutput(name, value)
  if (runner.stepSummary) {
    try {
      await core.summary.addRaw(renderSummary(report)).write()
    } catch (e) {
      log.warning(`Could not write the job summary: ${(e as Error).message}`)
    }
  }
  // the account is out (outputs, summary): the post step has nothing to add
  journal?.accountWritten(report.outcome)
  await commentPlan(log, options.githubToken, report.planPath, runner)
  if (options.driftIssue) await driftIssues(log, options.githubToken, report, runner)
  endStep(log, report)
  // cancelled: the account is out; a request abandoned in flight must not keep the step alive
  if (cancel.cancelled) process.exit()
}

/** The step's last lines: its outcome (model/outcome.ts) decides whether it fails. */
function endStep(log: ActionReporter, report: RunReport): void {
  const outcome = outcomeOf(report)
  switch (outcome.kind) {
    case 'drifted': {
      const found = report.drift?.differences ?? []
      log.fail(
        `Drift: the target differs from the package (${found.length} difference(s)):\n${found.map((d) => `  ${d}`).join('\n')}`
      )
      return
    }
    case 'in-sync':
      log.info('Drift check finished: the target equals the package and the bindings.')
      return
    default:
      if (rowOf(outcome).fails) {
        log.fail(report.error ?? 'The promotion failed.')
        return
      }
      for (const line of report.ledger.account) log.info(line)
      log.info(
        outcome.kind === 'planned'
          ? 'Dry run finished: no write was sent to the target.'
          : 'Promotion finished.'
      )
  }
}

/**
 * The journal of the run under RUNNER_TEMP, its path saved for the post step: when this step is
 * killed before it writes its account, the post step writes it from the journal.
 */
function openJournal(log: ActionReporter, options: Options, runner: Runner): Journal | undefined {
  if (!runner.temp) return undefined
  const path = join(runner.temp, `qlik-di-promote-journal-${process.pid}-${Date.now()}.jsonl`)
  const journal = Journal.create(
    path,
    {
      mode: options.mode,
      dryRun: options.dryRun,
      ...(runner.runId ? { runId: runner.runId } : {})
    },
    { warn: (m) => log.warning(m) }
  )
  core.saveState(JOURNAL_STATE, path)
  return journal
}

/** A dry run on a pull request with github-token: the plan as one pull-request comment. */
async function commentPlan(
  log: ActionReporter,
  token: string,
  planPath: string | undefined,
  runner: Runner
): Promise<void> {
  const pr = pullRequestOf(runner)
  if (!planPath || !pr) return
  if (!token) {
    log.info(
      "The release plan is not posted on the pull request: set 'github-token' (pull-requests: write) to post it."
    )
    return
  }
  try {
    const r = await upsertPlanComment(token, pr, readFileSync(planPath, 'utf8'))
    log.info(
      `Release plan ${r.updated ? 'updated' : 'posted'} on pull request #${pr.number}: ${r.url}`
    )
  } catch (e) {
    log.warning(
      `Could not post the release plan on pull request #${pr.number} (needs pull-requests: write): ${(e as Error).message}`
    )
  }
}

/** mode drift with drift-issue: one issue per drifting target, closed when the drift is gone. */
async function driftIssues(log: ActionReporter, token: string, report: RunReport, runner: Runner) {
  const [owner, repo] = runner.repository.split('/')
  if (!owner || !repo) {
    log.warning('drift-issue: GITHUB_REPOSITORY is not set, so no issue can be kept.')
    return
  }
  const runUrl = workflowRunUrl(runner)
  try {
    for (const r of await syncDriftIssues(token, { owner, repo }, report, runUrl))
      if (r.action !== 'none') log.info(`Drift issue for ${r.project} ${r.action}: ${r.url ?? ''}`)
  } catch (e) {
    log.warning(
      `Could not open, update or close the drift issue (needs issues: write): ${(e as Error).message}`
    )
  }
}
