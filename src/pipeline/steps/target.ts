import { say } from '../../text/escape.js'
import type { Project, QlikApi, Space } from '../../qlik/api.js'
import { QlikApiError } from '../../qlik/errors.js'
import type { StepContext } from '../context.js'
import { PipelineError } from '../errors.js'
import { resolveSpace } from './spaces.js'

export const FIND_SPACE = 'Find the target space'
export const FIND_PROJECT = 'Find the target project'
export const CREATE = 'Create the target project'

export async function findTargetSpace(ctx: StepContext, api: QlikApi): Promise<Space> {
  const space = await resolveSpace(api, ctx.o.targetSpace, 'target-space', FIND_SPACE)
  ctx.log.info(say`Target space: ${space.name} (${space.id}) on ${api.host}`)
  return space
}

/** The target project by id or exact name in the space; undefined when it must be created. */
export async function findTargetProject(
  api: QlikApi,
  space: Space,
  name: string
): Promise<Project | undefined> {
  const list = await api.listProjects(space.id)
  const byId = list.find((p) => p.id === name)
  if (byId) return byId
  // the tenant keeps a created project's name without surrounding white space (a source name with
  // a trailing line break gives a target named without it): compare as it is stored
  const matches = list.filter((p) => p.name.trim() === name.trim())
  if (matches.length > 1) {
    throw new PipelineError(
      `Input 'target-project': ${matches.length} projects are named '${name}' in space ${space.name} on ${api.host}: ${matches.map((p) => p.id).join(', ')}. Give the project id.`,
      FIND_PROJECT
    )
  }
  return matches[0]
}

/** Create the target project (recorded in the ledger); a lost answer is looked up before anything else. */
// eslint-disable-next-line max-params -- issue 33: to take one named object (known when the rule came in)
export async function createTarget(
  ctx: StepContext,
  api: QlikApi,
  src: Project,
  space: Space,
  name: string
): Promise<Project> {
  const o = ctx.o
  const platformType = o.platformType ?? src.platformType
  const body = {
    name,
    type: o.projectType ?? src.type ?? 'DATA_PIPELINE',
    space: space.id,
    description: o.projectDescription || (src.description ?? ''),
    ...(platformType ? { platformType } : {}),
    ...(o.platformConnection ? { platformConnection: o.platformConnection } : {}),
    ...(o.cloudStagingConnection ? { cloudStagingConnection: o.cloudStagingConnection } : {})
  }
  const what = say`create project '${name}' in space ${space.name}`
  try {
    const p = await ctx.ledger.record(
      api.host,
      'create-project',
      what,
      () => api.createProject(body),
      { subject: name, space: space.name }
    )
    ctx.ledger.settle('create-project', 'done', { projectId: p.id })
    ctx.log.info(say`Created target project ${p.name} (${p.id}) in ${space.name}`)
    return p
  } catch (e) {
    // The create may have happened although we saw no answer: look before anything else.
    if (e instanceof QlikApiError && (e.details.outcomeUnknown || (e.status ?? 0) >= 500)) {
      ctx.log.warning(
        `Creating the project gave no clear answer (${e.message}); looking for it by name before going on.`
      )
      const found = await findTargetProject(api, space, name)
      if (found) {
        ctx.ledger.settle('create-project', 'done', { projectId: found.id })
        ctx.log.info(say`The project was created: ${found.name} (${found.id})`)
        return found
      }
    }
    throw e
  }
}
