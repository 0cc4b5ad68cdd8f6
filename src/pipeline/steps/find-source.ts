import { say } from '../../text/escape.js'
import type { Project, QlikApi } from '../../qlik/api.js'
import type { StepContext } from '../context.js'
import { PipelineError } from '../errors.js'
import { resolveSpace } from './spaces.js'

export const FIND_SOURCE = 'Find the source project'

/** The source project by id or exact name (narrowed by source-space). */
export async function findSource(ctx: StepContext, api: QlikApi): Promise<Project> {
  const want = ctx.o.sourceProject
  const space = ctx.o.sourceSpace
    ? await resolveSpace(api, ctx.o.sourceSpace, 'source-space', FIND_SOURCE)
    : undefined
  const spaceId = space?.id
  const byId = /^[A-Za-z0-9_-]{8,}$/.test(want) && !spaceId ? await api.getProject(want) : undefined
  const project = byId ?? pickByName(await api.listProjects(spaceId), want, api, spaceId)
  ctx.report.source = {
    tenant: api.host,
    projectId: project.id,
    projectName: project.name,
    ...(project.spaceId ? { spaceId: project.spaceId } : {})
  }
  // the summary names the space as people know it; a space the credential cannot read keeps its id
  const spaceName =
    space?.name ?? (project.spaceId ? await spaceNameOf(api, project.spaceId) : undefined)
  if (spaceName) ctx.report.source.spaceName = spaceName
  ctx.log.info(say`Source project: ${project.name} (${project.id}) on ${api.host}`)
  return project
}

function pickByName(list: Project[], want: string, api: QlikApi, spaceId?: string): Project {
  const byId = list.find((p) => p.id === want)
  if (byId) return byId
  const matches = list.filter((p) => p.name === want)
  if (matches.length === 1) return matches[0] as Project
  const where = `on the ${api.tenant} tenant ${api.host}${spaceId ? ` in space ${spaceId}` : ''}`
  if (matches.length > 1) {
    throw new PipelineError(
      `Input 'source-project': ${matches.length} projects are named '${want}' ${where}: ` +
        matches.map((p) => `${p.id} (space ${p.spaceId ?? '?'})`).join(', ') +
        ". Give the project id, or narrow the search with 'source-space'.",
      FIND_SOURCE
    )
  }
  const close = list
    .filter((p) => p.name.toLowerCase().includes(want.toLowerCase()))
    .map((p) => `'${p.name}'`)
  throw new PipelineError(
    `Input 'source-project': no project with id or exact name '${want}' ${where}.${close.length ? ` Similar names: ${close.join(', ')}.` : ''}`,
    FIND_SOURCE
  )
}

async function spaceNameOf(api: QlikApi, id: string): Promise<string | undefined> {
  try {
    return (await api.getSpace(id))?.name
  } catch {
    return undefined
  }
}
