import { say } from '../../text/escape.js'
import type { PackageInfo } from '../../package/package.js'
import type { Bindings, Project, QlikApi } from '../../qlik/api.js'
import { dict, mergeBindings, type BindingsInput, type BindingValues } from '../bindings.js'
import { restoredValues, secretsOf } from '../secrets.js'
import type { ComputedBindings, StepContext, TargetState } from '../context.js'
import { PipelineError } from '../errors.js'
import { resolveSpace } from './spaces.js'
import { findTargetProject } from './target.js'

export const COMPUTE = 'Compute the bindings'
export const SET = 'Set the target bindings'
export const CHECK_CONNECTIONS = 'Check the connections'
export const RESTORE = "Put the target's bindings back"

/** `{{id(connection, SPACE.NAME)}}`, capturing the space and the connection name. */
export const CONNECTION_PARTS = /^\{\{\s*id\(\s*connection\s*,\s*([^.\s]+)\.([^)]+?)\s*\)\s*\}\}$/

/** Connection expressions among the values that the tenant could not map to an id. */
export function unresolvedConnections(
  values: Record<string, string | null>,
  nameToIdMap: Record<string, string>
): Array<{ variable: string; expression: string }> {
  return Object.entries(values)
    .filter(
      ([, v]) =>
        typeof v === 'string' && CONNECTION_PARTS.test(v.trim()) && !Object.hasOwn(nameToIdMap, v)
    )
    .map(([variable, v]) => ({ variable, expression: v as string }))
}

/** The values this run would send compared with the target's values before it. */
export function diffBindings(
  current: BindingValues,
  values: BindingValues,
  declared: string[]
): ComputedBindings['diff'] {
  const keys = Object.keys(values)
  const has = (k: string): boolean => Object.hasOwn(current, k)
  const isDeclared = new Set(declared)
  return {
    added: keys.filter((k) => !has(k)).sort(),
    changed: keys.filter((k) => has(k) && current[k] !== values[k]).sort(),
    unchanged: keys.filter((k) => has(k) && current[k] === values[k]).sort(),
    undeclaredKept: Object.keys(current)
      .filter((k) => !isDeclared.has(k))
      .sort()
  }
}

/**
 * The full set to PUT: the target's current values (read now, kept to put back on failure), the
 * restored backup values and the input laid over them. Problems (missing, undeclared) are
 * reported by the guards, all at once.
 */
// eslint-disable-next-line max-params -- issue 33: to take one named object (known when the rule came in)
export async function computeBindings(
  ctx: StepContext,
  t: TargetState,
  info: PackageInfo,
  restored: BindingValues,
  input: BindingsInput
): Promise<ComputedBindings> {
  if (t.existing) t.previous = await t.api.getBindings(t.existing.id)
  const current = Object.assign(dict<string | null>(), t.previous?.variables)
  const back = restoredValues(restored, input.values, ctx.deps.env, COMPUTE)
  for (const v of back.sensitive) if (v.length >= 4) ctx.deps.onSecret?.(v)
  const overlay = Object.assign(dict<string | null>(), back.values, input.values)
  if (
    info.declared.includes('projectName') &&
    overlay.projectName === undefined &&
    !current.projectName
  ) {
    overlay.projectName = t.name
  }
  // projects-file: a reference to an upstream project of the set gets that project's target id
  for (const v of info.declared) {
    const key = /^project\.([^.]+)\.projectId$/.exec(v)?.[1]
    if (key === undefined || Object.hasOwn(input.values, v)) continue
    // keys come from the package's variable names: own properties only
    const given = ctx.o.upstreamProjects
    const id =
      given && Object.hasOwn(given, key)
        ? given[key]
        : await upstreamInTarget(ctx, t, key, current[v] ?? null)
    if (id !== undefined) overlay[v] = id
  }
  const merged = mergeBindings(current, overlay, info.declared)
  ctx.report.bindings = {
    source: input.source,
    applied: Object.keys(merged.values).sort(),
    changed: merged.changed,
    added: merged.added,
    unknown: merged.unknown,
    missing: merged.missing
  }
  return {
    ...merged,
    templates: { ...back.templates, ...input.templates },
    secrets: secretsOf(ctx.o, [...input.sensitive, ...back.sensitive]),
    diff: diffBindings(current, merged.values, info.declared)
  }
}

/**
 * `only` left an upstream project of the set out of the run: its id in the target, looked up by
 * name (reads only). Not there is a failure before any change, saying what to do.
 */
async function upstreamInTarget(
  ctx: StepContext,
  t: TargetState,
  key: string,
  current: string | null
): Promise<string | undefined> {
  const lookups = ctx.o.upstreamLookups
  const want = lookups && Object.hasOwn(lookups, key) ? lookups[key] : undefined
  if (!want) return undefined
  const space =
    want.space === t.space.name || want.space === t.space.id
      ? t.space
      : await resolveSpace(t.api, want.space, 'projects-file', COMPUTE)
  const found = await findTargetProject(t.api, space, want.project)
  if (!found)
    throw new PipelineError(
      `'${want.entry}', which this project depends on, is not in this run (input 'only') and has no project '${want.project}' in space ${space.name} on ${t.api.host}: deploy it first, or set with-upstream: true to run it too.`,
      COMPUTE
    )
  if (current !== found.id)
    ctx.log.info(
      say`Upstream '${want.entry}' (not in this run): ${found.name} (${found.id}) in ${space.name}`
    )
  return found.id
}

/** PUT the full set, recorded in the ledger with the names it changes and adds. */
export async function setBindings(
  ctx: StepContext,
  api: QlikApi,
  project: Project,
  b: ComputedBindings
): Promise<void> {
  await ctx.ledger.record(
    api.host,
    'set-bindings',
    say`set ${Object.keys(b.values).length} binding variable(s) on ${project.name}`,
    () => api.setBindings(project.id, b.values),
    { projectId: project.id, changed: b.diff.changed, added: b.diff.added }
  )
}

/** Read the bindings back recalculated: every connection expression must map to an id here. */
export async function checkConnections(
  ctx: StepContext,
  api: QlikApi,
  project: Project,
  spaceName: string
): Promise<string> {
  const back = await api.getBindings(project.id, true)
  const unresolved = unresolvedConnections(back.variables, back.nameToIdMap)
  if (unresolved.length > 0) {
    throw new PipelineError(
      `${unresolved.length} connection binding(s) do not resolve on the target tenant ${api.host} (space ${spaceName}): ` +
        unresolved.map((u) => `${u.variable} = ${u.expression}`).join('; ') +
        '. Create the connection(s) there or fix the names in the bindings.',
      CHECK_CONNECTIONS
    )
  }
  return `${Object.keys(back.nameToIdMap).length} connection(s) resolved`
}

/** Compensation: PUT the values read before this run's PUT, recorded in the ledger. */
// eslint-disable-next-line max-params -- issue 33: to take one named object (known when the rule came in)
export async function restoreBindings(
  ctx: StepContext,
  api: QlikApi,
  project: Project,
  previous: Bindings,
  b: ComputedBindings
): Promise<void> {
  await ctx.ledger.record(
    api.host,
    'restore-bindings',
    say`put back the ${Object.keys(previous.variables).length} binding value(s) ${project.name} had before this run`,
    () => api.setBindings(project.id, previous.variables),
    { projectId: project.id, changed: [...b.diff.changed, ...b.diff.added].sort() }
  )
}
