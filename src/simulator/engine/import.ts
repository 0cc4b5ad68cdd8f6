import { multipartZip, type Ctx } from '../context.js'
import { badRequest, SimHttpError } from '../errors.js'
import {
  computeNameToIdMap,
  parseConnectionExpression,
  type DataTask,
  type Project,
  type Tenant
} from '../state.js'
import type { ActionError } from './actions.js'
import { connectionProblem } from './connections.js'
import {
  continuousOf,
  PackageError,
  readPackage,
  settingsToApply,
  type PackageContent
} from './packages.js'

/**
 * Qlik's import: the uploaded package is read (400 with every problem when it is not a valid
 * project definition), checked against the target project (type, platform, bindings, connections,
 * upstream projects), and applied when the import action completes.
 */

/** What stops the package from being imported into this project (at most 50, as Qlik lists). */
export function importErrors(tenant: Tenant, p: Project, pkg: PackageContent): ActionError[] {
  const errors: ActionError[] = []
  if (pkg.project.type !== p.type) {
    errors.push({
      code: 'DI-IMPORT-TYPE-MISMATCH',
      message: `The package is a ${pkg.project.type} project; the target project '${p.name}' is ${p.type}.`,
      details: 'Import into a project of the same type.'
    })
  }
  if (pkg.project.platformType !== p.platformType) {
    errors.push({
      code: 'DI-IMPORT-PLATFORM-MISMATCH',
      message: `The package targets platform ${pkg.project.platformType}; the target project '${p.name}' uses ${p.platformType}.`,
      details: 'Import into a project created for the same platform.'
    })
  }
  const connectionVars = new Set<string>([
    ...(Object.values(pkg.project.connectionVars) as string[]),
    ...pkg.tasks.flatMap((t) => Object.values(t.connectionVars) as string[])
  ])
  for (const variable of pkg.declared) {
    const value = p.bindings[variable]
    if (value === undefined || value === '') {
      errors.push({
        code: 'DI-BINDING-MISSING',
        message: `Binding variable '${variable}' has no value in the target project '${p.name}'.`,
        details: 'Set it with PUT /api/v1/di-projects/{projectId}/bindings before importing.'
      })
      continue
    }
    if (connectionVars.has(variable) || parseConnectionExpression(value)) {
      const problem = connectionProblem(tenant, variable, value)
      if (problem && problem.code !== 'DI-CONNECTION-UNREACHABLE') errors.push(problem)
    }
  }
  // Qlik: upstream projects referenced by this one must be imported first
  for (const t of pkg.tasks) {
    if (!t.upstream) continue
    const id = p.bindings[t.upstream.projectVar]
    if (id === undefined || id === '' || id === null) continue // reported as DI-BINDING-MISSING
    const up = tenant.projects.find((x) => x.id === id)
    if (!up || !up.tasks.some((x) => x.id === t.upstream?.taskId)) {
      errors.push({
        code: 'DI-IMPORT-UPSTREAM-MISSING',
        message: `Task '${t.name}' selects datasets from task '${t.upstream.taskId}' of project ${id} (${t.upstream.projectVar}), which ${up ? 'has no such task' : 'does not exist in this tenant'}: import the upstream project first`,
        details: 'Import the upstream project first, then bind its id to this variable.'
      })
    }
  }
  return errors.slice(0, 50)
}

/** The package's content becomes the project's: settings, tasks, datasets, declared variables. */
export function applyImport(tenant: Tenant, p: Project, pkg: PackageContent): void {
  p.settings = settingsToApply(p.settings, pkg.project.settings)
  if (pkg.project.description !== '') p.description = pkg.project.description
  p.connectionVars = { ...pkg.project.connectionVars }
  p.declared = [...pkg.declared]
  for (const pt of pkg.tasks) {
    let t = p.tasks.find((x) => x.id === pt.id)
    if (!t) {
      t = {
        id: pt.id,
        name: pt.name,
        type: pt.type as DataTask['type'],
        description: pt.description,
        connectionVars: {},
        datasets: [],
        settings: {},
        continuous: false,
        modelBytes: 0,
        prepared: false,
        validated: false,
        requiresRecreate: [],
        reloadRequested: false,
        runs: []
      }
      p.tasks.push(t)
    }
    const removed = t.datasets.filter((d) => !pt.datasets.includes(d))
    if (t.prepared && removed.length > 0)
      t.requiresRecreate = [...new Set([...t.requiresRecreate, ...removed])]
    t.name = pt.name
    t.type = pt.type as DataTask['type']
    if (pt.description !== '') t.description = pt.description
    t.connectionVars = { ...pt.connectionVars }
    if (pt.upstream) t.upstream = { ...pt.upstream }
    else delete t.upstream
    t.datasets = [...pt.datasets]
    t.settings = settingsToApply(t.settings, pt.settings)
    t.continuous = continuousOf(t.type, t.settings)
    t.modelBytes = pt.modelBytes
    t.prepared = false
    t.validated = false
  }
  p.nameToIdMap = computeNameToIdMap(tenant, p.bindings)
  if (pkg.definitionFiles) p.definitionFiles = pkg.definitionFiles
  else delete p.definitionFiles
  p.importCount += 1
}

/** The `zip` field of the upload, read as a package; 400 with Qlik's items when it is invalid. */
export async function parseUpload(ctx: Ctx): Promise<PackageContent> {
  const zip = await multipartZip(ctx)
  let result
  try {
    result = readPackage(zip)
  } catch (e) {
    if (e instanceof PackageError) throw badRequest(e.message, 'zip')
    throw e
  }
  const errs = result.reports.filter((r) => r.level === 'ERROR')
  if (!result.content || errs.length > 0) {
    const items = errs.slice(0, 50).map((r) => ({
      code: 'DI-PACKAGE-INVALID',
      title: 'Invalid project definition',
      detail: `${r.path}: ${r.reason}`,
      status: 400
    }))
    const first = items[0]
    throw new SimHttpError(
      400,
      'DI-PACKAGE-INVALID',
      'Invalid project definition',
      first?.detail ?? 'Invalid package.',
      {
        more: items.slice(1)
      }
    )
  }
  return result.content
}
