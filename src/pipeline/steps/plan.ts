import { diffDefinitions, type ReleaseDiff } from '../../package/diff.js'
import { impactLine, impactProblems } from './impact.js'
import { PackageContent } from '../../package/content.js'
import { PackageFormatError, unzipPackage, type ProjectDefinition } from '../../package/layout.js'
import type { ComputedBindings, StepContext, TargetState } from '../context.js'
import { exportValidPackage } from './export.js'
import { holdsSecret } from '../secrets.js'
import type { DataImpact, ConnectionCheck, DryRunPlan, GuardResult } from '../../model/plan.js'

export const PLAN = 'Plan the changes (dry run)'
export const COMPARE = 'Compare the package with the target'

/**
 * The release diff: the package against an export of the target project as it is now (export is
 * a read; nothing changes on the target). A target that does not exist yet gets everything added.
 */
export async function compareWithTarget(
  ctx: StepContext,
  t: TargetState,
  content: PackageContent
): Promise<{ diff: ReleaseDiff; current?: ProjectDefinition }> {
  const read = (pkg: PackageContent, what: string) => {
    try {
      return pkg.definition(what)
    } catch (e) {
      if (e instanceof PackageFormatError) throw new Error(`${what}: ${e.message}`)
      throw e
    }
  }
  const next = read(content, 'The package')
  if (!t.existing) return { diff: diffDefinitions(undefined, next) }
  const { zip } = await exportValidPackage(ctx, t.api, t.existing, 'ALL', false, COMPARE)
  const current = read(
    PackageContent.ofFiles(unzipPackage(zip)),
    `The export of the target project ${t.existing.name}`
  )
  return { diff: diffDefinitions(current, next), current }
}

export function diffLine(d: ReleaseDiff): string {
  const t = d.tasks
  return d.targetExists
    ? `${t.changed.length} task(s) changed, ${t.added.length} added, ${t.removed.length} on the target only, ${t.unchanged.length} unchanged` +
        (d.project.settings.length
          ? `; ${d.project.settings.length} project setting(s) changed`
          : '')
    : `new project: ${t.added.length} task(s) added`
}

/** What a real run would do, learned with reads only; `steps` from the deploy table. */
// eslint-disable-next-line max-params -- issue 33: to take one named object (known when the rule came in)
export function makePlan(
  guards: GuardResult[],
  connections: ConnectionCheck[],
  steps: string[],
  t: TargetState,
  b: ComputedBindings,
  changes?: ReleaseDiff,
  /** A drift check names bindings only (its issue may be read widely): no values. */
  withValues = true,
  /** What the changes cost the data: a drop without allow-recreate is a blocker. */
  impact?: DataImpact
): DryRunPlan {
  const problems = [
    ...guards.filter((g) => g.status === 'failed').map((g) => `${g.detail}.`),
    ...(impact ? impactProblems(impact) : [])
  ]
  const values = withValues ? visibleValues(t, b) : []
  return {
    project: t.existing ? 'reuse' : 'create',
    bindings: b.diff,
    ...(values.length ? { values } : {}),
    connections,
    guards,
    steps,
    problems,
    canApply: problems.length === 0,
    ...(changes ? { changes } : {}),
    ...(impact ? { impact } : {})
  }
}

export function planLines(p: DryRunPlan): string[] {
  const list = (xs: string[]): string => (xs.length ? xs.join(', ') : 'none')
  return [
    `Plan: ${p.project} the target project`,
    ...(p.changes ? [`Changes: ${diffLine(p.changes)}`] : []),
    ...(p.impact
      ? p.impact.tasks.map(
          (x) => `Data impact (inferred from the package): ${impactLine(x, p.impact!)}`
        )
      : []),
    `Bindings added: ${list(p.bindings.added)}`,
    `Bindings changed: ${list(p.bindings.changed)}`,
    `Bindings unchanged: ${list(p.bindings.unchanged)}`,
    `On the target but not declared by the package (kept): ${list(p.bindings.undeclaredKept)}`,
    ...p.connections.map(
      (c) => `Connection ${c.variable}: ${c.status}${c.detail ? ` (${c.detail})` : ''}`
    ),
    ...p.guards.map((g) => `Check ${g.check}: ${g.status} (${g.detail})`),
    ...p.steps.map((st, i) => `Would run ${i + 1}. ${st}`)
  ]
}

/** A value a reviewer may read in the plan: given in clear, not a secret, short, no connection. */
function visibleValues(
  t: TargetState,
  b: ComputedBindings
): Array<{ name: string; from?: string | null; to: string | null }> {
  const shown = (v: string | null | undefined): boolean =>
    v === null || v === undefined || (v.length <= 120 && !holdsSecret(v, b.secrets))
  return [...b.diff.changed, ...b.diff.added]
    .filter((name) => !Object.hasOwn(b.templates, name) && !/connection$/i.test(name))
    .map((name) => {
      const from =
        t.previous && Object.hasOwn(t.previous.variables, name)
          ? t.previous.variables[name]
          : undefined
      const to = Object.hasOwn(b.values, name) ? (b.values[name] ?? null) : null
      return { name, ...(from !== undefined ? { from: from as string | null } : {}), to }
    })
    .filter((x) => shown(x.from) && shown(x.to))
}
