import { existsSync } from 'node:fs'
import { FileInputError, readRegularFile } from '../util/files.js'
import { parseYamlBounded } from '../util/yaml.js'
import { z } from 'zod'

/**
 * The `bindings` input: an inline YAML/JSON mapping or a path to a .yaml/.yml/.json file, with
 * `${ENV_VAR}` in values expanded from the environment. Accepts either a flat mapping or one under
 * a `variables:` key. Values are strings or null.
 */

export class BindingsInputError extends Error {
  override readonly name = 'BindingsInputError'
}

const value = z
  .union([z.string(), z.number(), z.boolean(), z.null()])
  .describe(
    'The value for the target. Connections: "{{id(connection, SPACE_NAME.CONNECTION_NAME)}}". ${ENV_VAR} is replaced from the environment. null is an explicit empty value; "" counts as missing.'
  )
const variables = z
  .record(z.string().min(1), value)
  .describe(
    'Binding (export) variable names, as the package declares them, mapped to their values.'
  )

const wrapped = z.strictObject({ variables })

/** A bindings file: a flat mapping of variables, or the same under `variables:`. */
export const bindingsFileSchema = z
  .union([wrapped, variables])
  .describe(
    'Bindings of a Qlik Talend Cloud data integration project for one target environment (qlik-di-promote).'
  )

export function bindingsJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(bindingsFileSchema),
    $id: 'https://raw.githubusercontent.com/owner/qlik-di-promote/v1/schemas/bindings.schema.json',
    title: 'qlik-di-promote bindings file'
  }
}

export type BindingValues = Record<string, string | null>

/** The bindings as given: values, where they came from, and which came from the environment. */
export interface BindingsInput {
  values: BindingValues
  source: string
  /** Variables given with `${ENV}` placeholders, and their text as given (e.g. "${DB_PASSWORD}"). */
  templates: Record<string, string>
  /** The values the placeholders expanded to: never written in clear to an artifact or the log. */
  sensitive: string[]
}

const NONE: BindingsInput = { values: {}, source: 'none', templates: {}, sensitive: [] }

export function loadBindingsInput(
  input: string,
  env: NodeJS.ProcessEnv,
  cwd = process.cwd()
): BindingsInput {
  const text = input.trim()
  if (text === '') return NONE
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
    try {
      content = readRegularFile(path, "Input 'bindings'")
    } catch (e) {
      if (e instanceof FileInputError) throw new BindingsInputError(e.message)
      throw e
    }
    source = text
  }
  let doc: unknown
  try {
    doc = /\.json$/i.test(source) ? JSON.parse(content) : parseYamlBounded(content)
  } catch (e) {
    throw new BindingsInputError(
      `Input 'bindings' (${source}) is not valid ${/\.json$/i.test(source) ? 'JSON' : 'YAML/JSON'}: ${(e as Error).message.split('\n')[0]}`
    )
  }
  if (doc === null || doc === undefined) return { ...NONE, source }
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new BindingsInputError(
      `Input 'bindings' (${source}) must be a mapping of variable names to values, e.g. "platformConnection: '{{id(connection, PROD_DATA.snowflake)}}'".`
    )
  }
  const isWrapped = Object.keys(doc).length === 1 && 'variables' in doc
  const checked = (isWrapped ? wrapped : variables).safeParse(doc)
  if (!checked.success) {
    const name = String(checked.error.issues[0]?.path.at(-1) ?? 'variables')
    throw new BindingsInputError(
      `Input 'bindings' (${source}): the value of '${name}' must be a string, number, boolean or null.`
    )
  }
  const vars: Record<string, unknown> = isWrapped
    ? (checked.data as { variables: Record<string, unknown> }).variables
    : (checked.data as Record<string, unknown>)
  // keyed by names from a file: no prototype, so 'constructor' or '__proto__' is just a name
  const values: BindingValues = dict()
  const templates: Record<string, string> = dict()
  const sensitive: string[] = []
  const missing: string[] = []
  for (const [name, raw] of Object.entries(vars)) {
    if (raw === null) {
      values[name] = null
      continue
    }
    const { text: expanded, used, unset } = expandEnv(String(raw), env)
    values[name] = expanded
    if (used.length) {
      templates[name] = String(raw)
      sensitive.push(...used.filter((v) => v !== ''))
    }
    missing.push(...unset.map((v) => `${v} (in '${name}')`))
  }
  if (missing.length > 0) {
    throw new BindingsInputError(
      `Input 'bindings' (${source}) uses environment variables that are not set: ${missing.join(', ')}. Pass them to the step with env:.`
    )
  }
  return { values, source, templates, sensitive }
}

const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g

/** `${VAR}` in a value replaced from the environment: what it became, which values, which unset. */
export function expandEnv(
  text: string,
  env: NodeJS.ProcessEnv
): { text: string; used: string[]; unset: string[] } {
  const used: string[] = []
  const unset: string[] = []
  const out = text.replace(PLACEHOLDER, (_m, v: string) => {
    const val = env[v]
    if (val === undefined) {
      unset.push(v)
      return ''
    }
    used.push(val)
    return val
  })
  return { text: out, used, unset }
}

/** The environment's bindings file, with the inline (or second file) `bindings` input laid over it. */
export function loadBindingsInputs(
  file: string,
  overlay: string,
  env: NodeJS.ProcessEnv,
  cwd = process.cwd()
): BindingsInput {
  let base: BindingsInput = NONE
  if (file.trim() !== '') {
    if (!/\.(ya?ml|json)$/i.test(file.trim())) {
      throw new BindingsInputError(
        `Input 'bindings-file' must be a .yaml, .yml or .json file, got "${file}".`
      )
    }
    try {
      base = loadBindingsInput(file, env, cwd)
    } catch (e) {
      throw new BindingsInputError(
        (e as Error).message.replace("Input 'bindings'", "Input 'bindings-file'")
      )
    }
  }
  const top = loadBindingsInput(overlay, env, cwd)
  if (base.source === 'none') return top
  if (top.source === 'none') return base
  // a variable the overlay gives takes its template (or none) from the overlay
  const templates = Object.assign(dict<string>(), base.templates)
  for (const name of Object.keys(top.values)) delete templates[name]
  return {
    values: Object.assign(dict<string | null>(), base.values, top.values),
    source: `${base.source} + ${top.source}`,
    templates: Object.assign(templates, top.templates),
    sensitive: [...base.sensitive, ...top.sensitive]
  }
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
  // names come from the package, the tenant and the input: own keys only, and linear in all three
  const values: BindingValues = Object.assign(dict<string | null>(), current, overlay)
  const has = (o: object, k: string): boolean => Object.hasOwn(o, k)
  const isDeclared = new Set(declared)
  const missing = declared.filter((v) => !has(values, v) || values[v] === '')
  const unknown = Object.keys(overlay).filter((v) => !isDeclared.has(v))
  const changed = Object.keys(overlay).filter((v) => has(current, v) && current[v] !== overlay[v])
  const added = Object.keys(overlay).filter((v) => !has(current, v))
  return { values, missing, unknown, changed, added }
}

/** An object for keys that come from data: no prototype, so no key is already there. */
export function dict<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>
}
