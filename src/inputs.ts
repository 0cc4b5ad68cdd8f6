import * as core from '@actions/core'
import { OPTION_SPECS, type RawOptions } from './options.js'

/** Read every option as an action input, masking secrets the moment they are read. */
export function readActionInputs(): RawOptions {
  const raw: RawOptions = {}
  for (const spec of OPTION_SPECS) {
    const value = core.getInput(spec.name)
    if (spec.secret && value !== '') core.setSecret(value)
    raw[spec.name] = value
  }
  return raw
}
