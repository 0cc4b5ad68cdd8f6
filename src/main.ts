import * as core from '@actions/core'
import { readActionInputs } from './inputs.js'
import { OptionsError, parseOptions } from './options.js'

/** The action adapter: read and check inputs, then run the pipeline (not built yet: see README). */
export async function run(): Promise<void> {
  try {
    const options = parseOptions(readActionInputs())
    core.setFailed(
      `Inputs are valid (mode ${options.mode}), but this build does not contain the promotion pipeline yet. ` +
        'Use a released version of the action.'
    )
  } catch (e) {
    if (e instanceof OptionsError) core.setFailed(`Invalid input: ${e.message}`)
    else core.setFailed(`Unexpected error: ${(e as Error).message}`)
  }
}
