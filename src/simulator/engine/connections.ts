import type { ActionError } from './actions.js'
import { badRequest } from '../errors.js'
import {
  connectionExpression,
  findConnection,
  parseConnectionExpression,
  type DataTask,
  type Project,
  type Tenant
} from '../state.js'

/**
 * Qlik's connection rules: a binding that names a connection must name one of this tenant, in a
 * space that exists, and reachable (prepare and validate check the project's and each task's).
 */

export /** Describe why a binding value cannot be used as a connection in this tenant (undefined: fine). */
function connectionProblem(
  tenant: Tenant,
  variable: string,
  value: string | null | undefined
): ActionError | undefined {
  if (value === undefined || value === null || value === '') {
    return {
      code: 'DI-BINDING-MISSING',
      message: `Binding variable '${variable}' has no value in this project.`,
      details: `Set '${variable}' with PUT /api/v1/di-projects/{projectId}/bindings.`
    }
  }
  const ref = parseConnectionExpression(value)
  if (!ref) {
    return {
      code: 'DI-BINDING-INVALID',
      message: `Binding variable '${variable}' is not a connection expression: '${value}'.`,
      details: 'Expected {{id(connection, SPACE_NAME.CONNECTION_NAME)}}.'
    }
  }
  const conn = findConnection(tenant, ref.space, ref.name)
  if (!conn) {
    const space = tenant.spaces.find((s) => s.name === ref.space)
    return {
      code: 'DI-CONNECTION-NOT-FOUND',
      message: `Connection '${ref.space}.${ref.name}' (variable '${variable}') was not found${space ? ` in space '${ref.space}'` : `: there is no space '${ref.space}'`}.`,
      details: `Create the connection in tenant ${tenant.host} or change the binding '${variable}'.`
    }
  }
  if (!conn.reachable) {
    return {
      code: 'DI-CONNECTION-UNREACHABLE',
      message: `Connection '${ref.space}.${ref.name}' (variable '${variable}') cannot be reached.`,
      details: 'Check the connection credentials and the gateway that serves it.'
    }
  }
  return undefined
}

export function taskConnectionProblem(
  tenant: Tenant,
  p: Project,
  t: DataTask
): ActionError | undefined {
  for (const variable of Object.values(t.connectionVars)) {
    const problem = connectionProblem(tenant, variable as string, p.bindings[variable as string])
    if (problem) return problem
  }
  return undefined
}

/** The project's own connections (platform, cloud staging): the first problem, if any. */
export function platformProblem(tenant: Tenant, p: Project): ActionError | undefined {
  for (const variable of Object.values(p.connectionVars) as string[]) {
    const problem = connectionProblem(tenant, variable, p.bindings[variable])
    if (problem) return problem
  }
  return undefined
}

export /** Resolve a connection given to create: an id, an expression or SPACE.NAME; answers the expression. */
function connectionForCreate(tenant: Tenant, value: string, field: string): string {
  const byId = tenant.connections.find((c) => c.id === value)
  const ref =
    parseConnectionExpression(value) ??
    (/^([^.\s]+)\.(.+)$/.exec(value)
      ? { space: value.split('.')[0]!, name: value.slice(value.indexOf('.') + 1) }
      : undefined)
  const conn = byId ?? (ref ? findConnection(tenant, ref.space, ref.name) : undefined)
  if (!conn)
    throw badRequest(`${field} '${value}' does not name a connection in this tenant.`, field)
  const space = tenant.spaces.find((s) => s.id === conn.spaceId)!
  return connectionExpression(space.name, conn.name)
}
