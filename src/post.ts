import * as core from '@actions/core'
import { JOURNAL_STATE, readJournal } from './pipeline/journal.js'
import { renderInterrupted } from './report/interrupted.js'
import { runnerOf } from './runner.js'

/**
 * The action's post step (`post-if: always()`): when the main step ended without writing its
 * account (killed after a cancelled job's grace period, a lost runner, a crash, out of memory), it
 * writes the job summary and an error annotation from the run's journal. When the main step wrote
 * its account, it does nothing visible.
 */
export async function post(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const path = core.getState(JOURNAL_STATE)
  if (!path) {
    core.debug('No journal: the main step stopped before its run began.')
    return
  }
  let journal
  try {
    journal = readJournal(path)
  } catch (e) {
    core.warning(
      `The run's journal ${path} could not be read (${(e as Error).message}): what the main step had changed is not known here; read its log, and the target project in Qlik Cloud.`,
      { title: 'The Qlik DI promotion may not have finished' }
    )
    return
  }
  if (journal.account !== undefined) {
    core.debug(`The main step wrote its account (${journal.account}); nothing to add.`)
    return
  }
  const { markdown, annotation } = renderInterrupted(journal)
  core.error(annotation, { title: 'The Qlik DI promotion did not finish' })
  if (runnerOf(env).stepSummary) {
    try {
      await core.summary.addRaw(markdown).write()
    } catch (e) {
      core.warning(`Could not write the job summary: ${(e as Error).message}`)
    }
  }
}

void post()
