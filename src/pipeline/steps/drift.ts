import type { ReleaseDiff } from '../../package/diff.js'
import type { ComputedBindings } from '../context.js'

export const DRIFT = 'Compare the target with the package (drift)'

/**
 * Where the target project differs from the package and the bindings inputs, one line each, for
 * drift detection and skip-unchanged: tasks added, removed or changed (settings, files, datasets,
 * connections), project settings, declared variables, bindings by name (never their values).
 */
export function differences(d: ReleaseDiff, b: Pick<ComputedBindings, 'diff'>): string[] {
  const out: string[] = []
  if (!d.targetExists) return ['the target project does not exist']
  for (const s of d.project.settings) out.push(`project setting ${s.path} differs`)
  if (d.project.descriptionChanged) out.push('the project description differs')
  for (const t of d.tasks.added)
    out.push(`task '${t.name}' (${t.id}) is in the package, not on the target`)
  for (const t of d.tasks.removed)
    out.push(`task '${t.name}' (${t.id}) is on the target, not in the package`)
  for (const c of d.tasks.changed) {
    const task = `task '${c.name}' (${c.id})`
    if (c.renamedFrom !== undefined) out.push(`${task} is named '${c.renamedFrom}' on the target`)
    if (c.typeFrom !== undefined) out.push(`${task} is a ${c.typeFrom} task on the target`)
    if (c.descriptionChanged) out.push(`${task}: the description differs`)
    for (const s of c.settings) out.push(`${task}: setting ${s.path} differs`)
    for (const f of c.files) out.push(`${task}: ${f} differs`)
    for (const x of c.datasetsAdded) out.push(`${task}: dataset ${x} is not on the target`)
    for (const x of c.datasetsRemoved) out.push(`${task}: dataset ${x} is on the target only`)
    for (const r of c.connections) out.push(`${task}: the ${r} variable differs`)
  }
  for (const v of d.variables.added) out.push(`variable ${v} is declared by the package only`)
  for (const v of d.variables.removed) out.push(`variable ${v} is declared on the target only`)
  for (const v of b.diff.changed) out.push(`binding ${v} has another value on the target`)
  for (const v of b.diff.added) out.push(`binding ${v} is not set on the target`)
  return out
}
