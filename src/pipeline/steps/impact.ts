import type { ReleaseDiff } from '../../package/diff.js'
import type { DataImpact, TaskImpact } from '../../model/plan.js'

/** A dataset file of a task folder: datasets/<name>.yaml. */
const datasetOf = (file: string): string | undefined =>
  /(?:^|\/)datasets\/([^/]+)\.ya?ml$/.exec(file)?.[1]

export function dataImpact(
  diff: ReleaseDiff,
  o: { allowRecreate: boolean; prepare: boolean }
): DataImpact {
  const t = diff.tasks
  const tasks: TaskImpact[] = [
    ...t.added.map((a) => ({ id: a.id, name: a.name, kind: 'new' as const, datasets: [] })),
    ...t.changed.map((c): TaskImpact => {
      const redefined = [
        ...new Set([
          ...c.datasetsAdded,
          ...c.files.map(datasetOf).filter((d): d is string => d !== undefined)
        ])
      ].filter((d) => !c.datasetsRemoved.includes(d))
      if (c.datasetsRemoved.length)
        return {
          id: c.id,
          name: c.name,
          kind: 'drop',
          datasets: [...c.datasetsRemoved],
          ...(redefined.length ? { redefined } : {})
        }
      return redefined.length
        ? { id: c.id, name: c.name, kind: 'redefined', datasets: redefined }
        : { id: c.id, name: c.name, kind: 'definition', datasets: [] }
    }),
    ...t.removed.map((x) => ({ id: x.id, name: x.name, kind: 'kept' as const, datasets: [] }))
  ]
  return { tasks, allowRecreate: o.allowRecreate, prepare: o.prepare }
}

/** The blocker a drop is without allow-recreate: a real run would fail at prepare. */
export function impactProblems(i: DataImpact): string[] {
  if (i.allowRecreate || !i.prepare) return []
  return i.tasks
    .filter((x) => x.kind === 'drop')
    .map(
      (x) =>
        `A real run would fail at prepare: task '${x.name}' would drop dataset(s) ${x.datasets.join(', ')} (not in the package); set allow-recreate: true to accept losing their data.`
    )
}

/** One line per task in words, for the plan and the log. */
export function impactLine(x: TaskImpact, i: DataImpact): string {
  const sets = x.datasets.join(', ')
  switch (x.kind) {
    case 'drop':
      return `${x.name}: prepare drops dataset(s) ${sets} and their data (not in the package)${x.redefined ? `, and may recreate ${x.redefined.join(', ')} (added or redefined)` : ''}; ${
        !i.prepare
          ? 'prepare is off in this run: the next prepare will'
          : i.allowRecreate
            ? 'allow-recreate is true: accepted'
            : 'allow-recreate is false: a real run fails at prepare'
      }`
    case 'redefined':
      return `${x.name}: dataset(s) ${sets} added or redefined: prepare may recreate their tables, loaded again at the next run`
    case 'definition':
      return `${x.name}: definition only (settings, connections or rules): no table is dropped or recreated`
    case 'new':
      return `${x.name}: new task: prepare creates it, its first run loads it`
    case 'kept':
      return `${x.name}: on the target only: import keeps it (Qlik's import deletes no task)`
  }
}

/** New tasks, or tasks import keeps, in one line however many (the plan's overview). */
export function impactGroupLine(kind: 'new' | 'kept', xs: TaskImpact[]): string {
  const names = xs.map((x) => x.name).join(', ')
  return kind === 'new'
    ? `${xs.length} new task(s): ${names}: prepare creates them, their first run loads them`
    : `${xs.length} task(s) on the target only: ${names}: import keeps them (Qlik's import deletes no task)`
}
