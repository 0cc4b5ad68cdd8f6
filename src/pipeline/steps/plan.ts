import type { Options } from '../../options.js'
import type { ComputedBindings, TargetState } from '../context.js'
import type { ConnectionCheck, DryRunPlan, GuardResult } from '../report.js'

export const PLAN = 'Plan the changes (dry run)'

/** What a real run would do, learned with reads only. */
export function makePlan(
  o: Options,
  t: TargetState,
  b: ComputedBindings,
  guards: GuardResult[],
  connections: ConnectionCheck[]
): DryRunPlan {
  const steps = [
    t.existing
      ? `Reuse project ${t.existing.name} (${t.existing.id})`
      : `Create project ${t.name} in ${t.space.name}`,
    ...(t.existing && o.backup ? ['Back up the target project (export ALL with bindings)'] : []),
    `Set ${Object.keys(b.values).length} binding variable(s)`,
    'Check the connections',
    'Import the package (import-async)',
    ...(o.prepare ? [`Prepare (allowRecreate ${o.allowRecreate})`] : []),
    ...(o.validate ? ['Validate'] : [])
  ]
  const problems = guards.filter((g) => g.status === 'failed').map((g) => `${g.detail}.`)
  return {
    project: t.existing ? 'reuse' : 'create',
    bindings: b.diff,
    connections,
    guards,
    steps,
    problems,
    canApply: problems.length === 0
  }
}

export function planLines(p: DryRunPlan): string[] {
  const list = (xs: string[]): string => (xs.length ? xs.join(', ') : 'none')
  return [
    `Plan: ${p.project} the target project`,
    `Bindings added: ${list(p.bindings.added)}`,
    `Bindings changed: ${list(p.bindings.changed)}`,
    `Bindings unchanged: ${list(p.bindings.unchanged)}`,
    `On the target but not declared by the package (kept): ${list(p.bindings.undeclaredKept)}`,
    ...p.connections.map((c) => `Connection ${c.variable}: ${c.status}`),
    ...p.guards.map((g) => `Check ${g.check}: ${g.status} (${g.detail})`),
    ...p.steps.map((st, i) => `Would run ${i + 1}. ${st}`)
  ]
}
