import { strFromU8, strToU8, zipSync } from 'fflate'
import { BINDINGS_FILE, unzipPackage } from '../package/layout.js'
import type { Options } from '../options.js'
import { expandEnv, type BindingValues } from './bindings.js'
import { InputError } from './errors.js'

/**
 * Secrets never go into an artifact in clear. A backup is an export of the target with its
 * bindings, and the target holds the values this action put there, some of them from the
 * environment (`${DB_PASSWORD}` in a bindings file) or equal to a credential of this run. Before
 * the backup is stored, such a value in its bindings.json is replaced: by the placeholder it was
 * given as (`${DB_PASSWORD}`), expanded again from the environment when the backup is restored, or,
 * when no placeholder is known, by a marker that a restore refuses unless the bindings input gives
 * the value. An artifact is downloadable by everyone who can read the repository.
 */

/** A value removed from a backup because it equalled a secret of the run that made it. */
export const REDACTED = '${QLIK_DI_PROMOTE_REDACTED}'

/** Every secret of this run: credentials and the values that came from the environment. */
export function secretsOf(o: Options, fromEnv: string[]): string[] {
  const auth = [o.source?.auth, o.target?.auth].flatMap((a) =>
    a ? [a.apiKey, a.clientSecret, a.privateKey] : []
  )
  return [...auth, o.githubToken, ...fromEnv].filter(
    (x): x is string => typeof x === 'string' && x !== ''
  )
}

/** A value that holds a secret of the run (secrets shorter than 4 characters would match words). */
export const holdsSecret = (v: string | null | undefined, secrets: string[]): boolean =>
  !!v && secrets.some((s) => s.length >= 4 && v.includes(s))

/** The value a backup keeps for `name`: its placeholder, a marker, or the value itself. */
export function keptValue(
  name: string,
  value: string | null,
  templates: Record<string, string>,
  secrets: string[]
): string | null {
  if (value === null) return null
  const template = templates[name]
  if (template !== undefined) return template
  return secrets.some((s) => value.includes(s)) ? REDACTED : value
}

/**
 * The backup ZIP with its bindings.json values kept as `keptValue` says; the names of the values
 * replaced. A package without bindings.json is returned as it is.
 */
export function redactBackup(
  zip: Uint8Array,
  templates: Record<string, string>,
  secrets: string[]
): { zip: Uint8Array; replaced: string[] } {
  const files = unzipPackage(zip)
  const raw = files[BINDINGS_FILE]
  if (!raw) return { zip, replaced: [] }
  const doc = JSON.parse(strFromU8(raw)) as { variables?: Record<string, string | null> }
  const vars = doc.variables ?? {}
  const replaced: string[] = []
  for (const [name, value] of Object.entries(vars)) {
    const kept = keptValue(name, value, templates, secrets)
    if (kept !== value) {
      vars[name] = kept
      replaced.push(name)
    }
  }
  if (replaced.length === 0) return { zip, replaced }
  files[BINDINGS_FILE] = strToU8(JSON.stringify({ ...doc, variables: vars }, null, 2))
  // fixed times: the same backup gives the same bytes
  const entries = Object.fromEntries(
    Object.keys(files)
      .sort()
      .map((k) => [k, [files[k] as Uint8Array, { mtime: new Date(Date.UTC(1980, 0, 1)) }]])
  )
  return { zip: zipSync(entries as Parameters<typeof zipSync>[0]), replaced: replaced.sort() }
}

/**
 * A backup's saved values as a restore puts them: placeholders expanded from the environment,
 * markers refused. Variables the bindings input gives are not looked at (the input wins).
 */
export function restoredValues(
  saved: BindingValues,
  given: BindingValues,
  env: NodeJS.ProcessEnv,
  step: string
): { values: BindingValues; templates: Record<string, string>; sensitive: string[] } {
  const out: BindingValues = {}
  const templates: Record<string, string> = {}
  const sensitive: string[] = []
  const problems: string[] = []
  for (const [name, value] of Object.entries(saved)) {
    if (name in given) continue
    if (value === REDACTED) {
      problems.push(
        `'${name}' was left out of the backup (it equalled a secret of the run that made it): give it in 'bindings' or 'bindings-file'`
      )
      continue
    }
    if (value === null) {
      out[name] = null
      continue
    }
    const { text, used, unset } = expandEnv(value, env)
    if (used.length) {
      // still a secret: masked, and kept out of the next backup as the same placeholder
      templates[name] = value
      sensitive.push(...used.filter((v) => v !== ''))
    }
    if (unset.length)
      problems.push(
        `'${name}' is kept in the backup as ${value} (it came from the environment and was not written into the artifact): set ${unset.join(', ')} in the step's env, or give '${name}' in the bindings`
      )
    out[name] = text
  }
  if (problems.length)
    throw new InputError(
      `The backup's bindings cannot be restored as they are: ${problems.join('; ')}.`,
      step
    )
  return { values: out, templates, sensitive }
}
