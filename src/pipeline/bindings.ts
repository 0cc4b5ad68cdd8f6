import { existsSync, readFileSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'

/**
 * The `bindings` input: an inline YAML/JSON mapping or a path to a .yaml/.yml/.json file, with
 * `${ENV_VAR}` in values expanded from the environment. Accepts either a flat mapping or one under
 * a `variables:` key. Values are strings or null.
 */

export class BindingsInputError extends Error {}

export type BindingValues = Record<string, string | null>

export function loadBindingsInput(
  input: string,
  env: NodeJS.ProcessEnv,
  cwd = process.cwd()
): { values: BindingValues; source: string } {
  const text = input.trim()
  if (text === '') return { values: {}, source: 'none' }
  let source = 'inline'
  let content = text
  const looksLikePath = !text.includes('\n') && /\.(ya?ml|json)$/i.test(text)
  if (looksLikePath) {
    const path = text.startsWith('/') ? text : `${cwd}/${text}`
    if (!existsSync(path)) {
      throw new BindingsInputError(
        `Input 'bindings' names a file that does not exist: ${text} (relative to ${cwd}).`
      )
    }
    content = readFileSync(path, 'utf8')
    source = text
  }
  let doc: unknown
  try {
    doc = /\.json$/i.test(source) ? JSON.parse(content) : parseYaml(content)
  } catch (e) {
    throw new BindingsInputError(
      `Input 'bindings' (${source}) is not valid ${/\.json$/i.test(source) ? 'JSON' : 'YAML/JSON'}: ${(e as Error).message.split('\n')[0]}`
    )
  }
  if (doc === null || doc === undefined) return { values: {}, source }
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new BindingsInputError(
      `Input 'bindings' (${source}) must be a mapping of variable names to values, e.g. "platformConnection: '{{id(connection, PROD_DATA.snowflake)}}'".`
    )
  }
  const root = doc as Record<string, unknown>
  const vars =
    root.variables !== undefined && Object.keys(root).length === 1 ? root.variables : root
  if (vars === null || typeof vars !== 'object' || Array.isArray(vars)) {
    throw new BindingsInputError(`Input 'bindings' (${source}): "variables" must be a mapping.`)
  }
  const values: BindingValues = {}
  const missing: string[] = []
  for (const [name, raw] of Object.entries(vars as Record<string, unknown>)) {
    if (raw === null) {
      values[name] = null
      continue
    }
    if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
      throw new BindingsInputError(
        `Input 'bindings' (${source}): the value of '${name}' must be a string, number, boolean or null.`
      )
    }
    values[name] = String(raw).replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, v: string) => {
      const val = env[v]
      if (val === undefined) {
        missing.push(`${v} (in '${name}')`)
        return ''
      }
      return val
    })
  }
  if (missing.length > 0) {
    throw new BindingsInputError(
      `Input 'bindings' (${source}) uses environment variables that are not set: ${missing.join(', ')}. Pass them to the step with env:.`
    )
  }
  return { values, source }
}

export interface MergedBindings {
  values: BindingValues
  /** Variables the package declares that end with no value (absent or ""). */
  missing: string[]
  /** Variables given in the input that the package does not declare (probable typos). */
  unknown: string[]
  changed: string[]
  added: string[]
}

/** Start from the target's current values, overlay the input; report what is missing or unknown. */
export function mergeBindings(
  current: BindingValues,
  overlay: BindingValues,
  declared: string[]
): MergedBindings {
  const values: BindingValues = { ...current, ...overlay }
  const missing = declared.filter((v) => values[v] === undefined || values[v] === '')
  const unknown = Object.keys(overlay).filter((v) => !declared.includes(v))
  const changed = Object.keys(overlay).filter((v) => v in current && current[v] !== overlay[v])
  const added = Object.keys(overlay).filter((v) => !(v in current))
  return { values, missing, unknown, changed, added }
}
