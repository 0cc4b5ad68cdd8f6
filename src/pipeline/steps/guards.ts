import { didYouMean } from '../../util/similar.js'
import type { PackageInfo } from '../../package/package.js'
import { normalizePlatform } from '../../package/enums.js'
import type { Project } from '../../qlik/api.js'
import type { ComputedBindings, StepContext, TargetState } from '../context.js'
import { connectionProblems, lookUpConnections } from './connections.js'
import type { ConnectionCheck, GuardResult } from '../../model/plan.js'

/**
 * Everything that can be known from reads, checked before the first write to the target: the
 * existing project's type and platform against the package, the bindings (missing values,
 * undeclared names), and every connection the run would bind, looked up in the target tenant. A real run refuses on any failed guard, listing them all; a
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

// eslint-disable-next-line max-params -- issue 33: to take one named object (known when the rule came in)
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
            `the bindings name ${b.unknown.length} variable(s) the package does not declare (probable typos): ${b.unknown.map((u) => `${u}${didYouMean(u, info.declared)}`).join(', ')}. ` +
            `The package declares: ${info.declared.join(', ')}.${strict ? ' Fix the names, or set strict-bindings to false to send them anyway' : ''}`
        }
      : { check: 'bindings: no undeclared variable', status: 'passed', detail: 'none' }
  )
  const connections = await lookUpConnections(ctx, t, b.values)
  const problems = connectionProblems(connections)
  const unknown = connections.filter((c) => c.status === 'unknown')
  guards.push({
    check: 'connections',
    status: problems.length ? 'failed' : unknown.length ? 'unknown' : 'passed',
    detail: problems.length
      ? problems.join('; ')
      : `${connections.length - unknown.length} found on ${t.api.host}${unknown.length ? `, ${unknown.length} checked once the bindings are set` : ''}`
  })
  for (const g of guards.filter((x) => x.status === 'warning'))
    ctx.log.warning(g.detail, { title: g.check })
  ctx.report.guards = guards
  return { guards, connections }
}

/** The failed guards as one message, or undefined when none failed. */
export function guardFailures(guards: GuardResult[]): string | undefined {
  const failed = guards.filter((g) => g.status === 'failed')
  if (failed.length === 0) return undefined
  return failed.length === 1
    ? `${failed[0]?.check}: ${failed[0]?.detail}.`
    : `${failed.length} checks failed: ${failed.map((g) => `(${g.check}) ${g.detail}`).join('; ')}.`
}
