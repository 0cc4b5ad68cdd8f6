import type { PackageInfo } from '../../package/package.js'
import { normalizePlatform } from '../../package/enums.js'
import type { Project } from '../../qlik/api.js'
import type { ComputedBindings, StepContext, TargetState } from '../context.js'
import type { ConnectionCheck, GuardResult } from '../report.js'
import { CONNECTION_PARTS } from './bindings.js'

/**
 * Everything that can be known from reads, checked before the first write to the target: the
 * existing project's type and platform against the package, the bindings (missing values,
 * undeclared names), and the connection expressions (already mapped by the target, or naming a
 * space that does not exist there). A real run refuses on any failed guard, listing them all; a
 * dry run reports them in its plan.
 */

export const GUARDS = 'Check before changing the target'

/** Type and platform of an existing target against what the package (or its source) states. */
export function projectGuards(
  existing: Project | undefined,
  pkg: { type?: string | null | undefined; platformType?: string | null | undefined },
  host: string
): GuardResult[] {
  if (!existing) {
    return [
      {
        check: 'project type and platform',
        status: 'passed',
        detail: 'the target project will be created from the package'
      }
    ]
  }
  const out: GuardResult[] = []
  const where = `the target project '${existing.name}' (${existing.id}) on ${host}`
  const cmp = (what: string, mine: string | undefined, theirs: string | undefined): void => {
    if (!mine || !theirs) {
      out.push({
        check: `project ${what}`,
        status: 'unknown',
        detail: `not stated by ${!mine ? 'the package' : 'the target'}`
      })
    } else if (mine !== theirs) {
      out.push({
        check: `project ${what}`,
        status: 'failed',
        detail:
          `the package is ${what === 'type' ? 'a' : 'for platform'} ${mine}, but ${where} is ${theirs}: Qlik refuses such an import. ` +
          `Deploy to a target project of the same ${what} (another 'target-project' name creates one).`
      })
    } else out.push({ check: `project ${what}`, status: 'passed', detail: mine })
  }
  cmp('type', pkg.type ?? undefined, existing.type ?? undefined)
  cmp(
    'platform',
    normalizePlatform(pkg.platformType ?? undefined),
    normalizePlatform(existing.platformType ?? undefined)
  )
  return out
}

export async function runGuards(
  ctx: StepContext,
  t: TargetState,
  src: Project,
  info: PackageInfo,
  b: ComputedBindings
): Promise<{ guards: GuardResult[]; connections: ConnectionCheck[] }> {
  const strict = ctx.o.strictBindings
  const guards = projectGuards(
    t.existing,
    { type: info.projectType ?? src.type, platformType: info.platformType ?? src.platformType },
    t.api.host
  )
  guards.push(
    b.missing.length
      ? {
          check: 'bindings: every declared variable has a value',
          status: strict ? 'failed' : 'warning',
          detail:
            `the package declares ${b.missing.length} variable(s) with no value for the target project '${t.name}' on ${t.api.host}: ` +
            `${b.missing.join(', ')}. Add them to 'bindings' or 'bindings-file'${strict ? '' : ' (strict-bindings is false: going on)'}`
        }
      : {
          check: 'bindings: every declared variable has a value',
          status: 'passed',
          detail: `${info.declared.length} declared`
        },
    b.unknown.length
      ? {
          check: 'bindings: no undeclared variable',
          status: strict ? 'failed' : 'warning',
          detail:
            `the bindings name ${b.unknown.length} variable(s) the package does not declare (probable typos): ${b.unknown.join(', ')}. ` +
            `The package declares: ${info.declared.join(', ')}.${strict ? ' Fix the names, or set strict-bindings to false to send them anyway' : ''}`
        }
      : { check: 'bindings: no undeclared variable', status: 'passed', detail: 'none' }
  )
  const connections = await checkConnectionSpaces(t, b.values)
  const bad = connections.filter((c) => c.status === 'space-missing')
  const unknown = connections.filter((c) => c.status === 'unknown')
  guards.push({
    check: 'connections',
    status: bad.length ? 'failed' : unknown.length ? 'unknown' : 'passed',
    detail: bad.length
      ? bad
          .map(
            (c) =>
              `${c.variable} = ${c.expression} names a space that does not exist on ${t.api.host}`
          )
          .join('; ')
      : `${connections.length - unknown.length} already resolved by the target${unknown.length ? `, ${unknown.length} checked once the bindings are set` : ''}`
  })
  for (const g of guards.filter((x) => x.status === 'warning'))
    ctx.log.warning(g.detail, { title: g.check })
  ctx.report.guards = guards
  return { guards, connections }
}

/**
 * A connection is resolved when the target already maps the same expression to an id; a space
 * that does not exist means it cannot resolve; anything else is known only once it is set.
 */
async function checkConnectionSpaces(
  t: TargetState,
  values: Record<string, string | null>
): Promise<ConnectionCheck[]> {
  const out: ConnectionCheck[] = []
  const spaces = new Map<string, boolean>()
  const mapped = t.previous?.nameToIdMap ?? {}
  for (const [variable, value] of Object.entries(values)) {
    const m = typeof value === 'string' ? CONNECTION_PARTS.exec(value.trim()) : null
    if (!m || value === null) continue
    if (mapped[value]) {
      out.push({ variable, expression: value, status: 'resolved' })
      continue
    }
    const spaceName = m[1] as string
    if (!spaces.has(spaceName))
      spaces.set(
        spaceName,
        (await t.api.findSpaces(spaceName)).some((sp) => sp.name === spaceName)
      )
    out.push({
      variable,
      expression: value,
      status: spaces.get(spaceName) ? 'unknown' : 'space-missing'
    })
  }
  return out
}

/** The failed guards as one message, or undefined when none failed. */
export function guardFailures(guards: GuardResult[]): string | undefined {
  const failed = guards.filter((g) => g.status === 'failed')
  if (failed.length === 0) return undefined
  return failed.length === 1
    ? `${failed[0]?.check}: ${failed[0]?.detail}.`
    : `${failed.length} checks failed: ${failed.map((g) => `(${g.check}) ${g.detail}`).join('; ')}.`
}
