import * as core from '@actions/core'
import { OPTION_SPECS, type RawOptions } from './options.js'

/** Read every option as an action input, masking secrets the moment they are read. */
export function readActionInputs(): RawOptions {
  const raw: RawOptions = {}
  for (const spec of OPTION_SPECS) {
    const value = core.getInput(spec.name)
    if (spec.secret && value !== '') {
      core.setSecret(value)
      // a multi-line secret (a PEM key) is masked line by line too: logs are matched per line
      for (const line of value.split(/\r?\n/))
        if (line.trim().length >= 8) core.setSecret(line.trim())
    }
    raw[spec.name] = value
  }
  return raw
}
