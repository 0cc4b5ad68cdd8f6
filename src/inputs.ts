import * as core from '@actions/core'
import { OPTION_SPECS, type RawOptions } from './options.js'
import { didYouMean } from './util/similar.js'

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
  // a misspelled input in the workflow's `with:` reaches the action only as INPUT_<NAME>: say it
  const known = new Set(OPTION_SPECS.map((s) => inputEnv(s.name)))
  for (const key of Object.keys(process.env))
    if (key.startsWith('INPUT_') && !known.has(key)) {
      const name = key.slice('INPUT_'.length).toLowerCase()
      core.warning(
        `Input '${name}' is not an input of this action${didYouMean(
          name,
          OPTION_SPECS.map((s) => s.name)
        )}: it is ignored.`
      )
    }
  return raw
}

/** The variable the runner sets for an input (spaces as _, upper case), as @actions/core reads it. */
const inputEnv = (name: string): string => `INPUT_${name.replace(/ /g, '_').toUpperCase()}`
