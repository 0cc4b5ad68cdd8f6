import { inputProblem, show } from './options/fields.js'
import { RULES } from './options/rules.js'
import {
  keyOf,
  MODES,
  OPTION_SPECS,
  optionsSchema,
  type InputValues,
  type Mode,
  type OptionName,
  type OptionSpec
} from './options/schema.js'
import { tenantOptions, type Side, type TenantOptions } from './options/tenant.js'
import type { TenantAuth } from './qlik/auth.js'
import { EXPORT_MODES, PLATFORM_TYPES, PROJECT_TYPES } from './qlik/vocabulary.js'

/**
 * The options the pipeline takes, parsed from the inputs' text before any request is sent:
 * lengths and control characters first, then every field by its schema (`options/schema.ts`),
 * then the tenants and their credentials (`options/tenant.ts`), then the rules that compare several
 * inputs (`options/rules.ts`). Every problem names its input; all of them are listed at once.
 */

export { MODES, OPTION_SPECS, optionsSchema, show, inputProblem }
export type { Mode, OptionSpec, TenantAuth, TenantOptions }
export { isLoopback, parseTenantUrl } from './options/tenant.js'
export { EXPORT_MODES, PLATFORM_TYPES, PROJECT_TYPES }

export type RawOptions = Record<string, string>

/** An upstream entry of a projects file that `only` left out: found in the target by name. */
export interface UpstreamLookup {
  /** The target project's name (or id). */
  project: string
  space: string
  /** The entry's name in the projects file. */
  entry: string
}

export class OptionsError extends Error {
  constructor(readonly problems: string[]) {
    super(
      problems.length === 1
        ? (problems[0] as string)
        : `${problems.length} inputs are invalid:\n  - ${problems.join('\n  - ')}`
    )
    this.name = 'OptionsError'
  }
}

/** The tenant inputs: they become `source` / `target` ({url, host, auth}), not fields of their own. */
type TenantField =
  `${Side}${'Tenant' | 'ApiKey' | 'ClientId' | 'ClientSecret' | 'PrivateKey' | 'KeyId'}`

/** What the pipeline takes: every input's typed value (from the schema), the tenants resolved. */
export type Options = Omit<InputValues, TenantField | 'quiesce'> & {
  source?: TenantOptions
  target?: TenantOptions
  /** Resolved from 'quiesce' (auto: when run-tasks is set). */
  quiesce: boolean
  /** projects-file: target project ids of upstream projects, by their key (project.<key>.projectId). */
  upstreamProjects?: Record<string, string>
  /** projects-file with only: upstream entries left out of the run, found in the target by name. */
  upstreamLookups?: Record<string, UpstreamLookup>
}

/** Turn raw string options into typed ones; every problem names its input. */
export function parseOptions(raw: RawOptions): Options {
  const problems: string[] = []
  for (const spec of OPTION_SPECS) {
    const v = raw[spec.name]
    const problem = v === undefined ? undefined : inputProblem(spec.name, v.trim(), spec)
    if (problem) problems.push(problem)
  }
  if (problems.length > 0) throw new OptionsError(problems)

  // Field by field, so that every bad input is listed along with the rules' problems below; a
  // refused field counts as its default for the rules.
  const values: Record<string, unknown> = {}
  const texts: Partial<Record<OptionName, string>> = {}
  for (const spec of OPTION_SPECS) {
    const given = raw[spec.name]
    const text =
      given === undefined || given.trim() === ''
        ? spec.default
        : spec.untrimmed
          ? given
          : given.trim()
    const name = spec.name as OptionName
    texts[name] = text
    const field = optionsSchema.shape[name]
    const r = field.safeParse(text)
    if (r.success) values[keyOf(spec.name)] = r.data
    else {
      problems.push(...r.error.issues.map((i) => `Input '${spec.name}' ${i.message}`))
      values[keyOf(spec.name)] = field.parse(spec.default)
    }
  }
  const v = values as InputValues
  const needSource = v.mode === 'promote' || v.mode === 'export'
  const needTarget = v.mode === 'promote' || v.mode === 'deploy' || v.mode === 'drift'

  const tenant = (side: Side, needed: boolean): TenantOptions | undefined =>
    needed
      ? tenantOptions(
          side,
          v.mode,
          (name) => (texts[`${side}-${name}`] ?? '').trim(),
          (p) => problems.push(p)
        )
      : undefined
  const source = tenant('source', needSource)
  const target = tenant('target', needTarget)

  for (const rule of RULES) {
    const problem = rule.check({ v, needSource, needTarget })
    if (problem) problems.push(problem)
  }
  if (problems.length > 0) throw new OptionsError(problems)

  const {
    sourceTenant: _st,
    sourceApiKey: _sa,
    sourceClientId: _sc,
    sourceClientSecret: _ss,
    sourcePrivateKey: _sp,
    sourceKeyId: _sk,
    targetTenant: _tt,
    targetApiKey: _ta,
    targetClientId: _tc,
    targetClientSecret: _ts,
    targetPrivateKey: _tp,
    targetKeyId: _tk,
    quiesce,
    ...rest
  } = v
  return {
    ...rest,
    ...(source ? { source } : {}),
    ...(target ? { target } : {}),
    quiesce: quiesce === 'true' || (quiesce !== 'false' && v.runTasks !== 'none')
  }
}
