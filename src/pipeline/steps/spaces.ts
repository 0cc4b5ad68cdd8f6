import type { QlikApi, Space } from '../../qlik/api.js'
import { PipelineError } from '../errors.js'

/** A space by exact name or id; a miss lists the spaces with similar names. */
export async function resolveSpace(
  api: QlikApi,
  want: string,
  input: string,
  step: string
): Promise<Space> {
  const exact = (await api.findSpaces(want)).filter((s) => s.name === want)
  if (exact.length === 1) return exact[0] as Space
  if (exact.length > 1) {
    throw new PipelineError(
      `Input '${input}': ${exact.length} spaces are named '${want}' on ${api.host}: ${exact.map((s) => s.id).join(', ')}. Give the space id.`,
      step
    )
  }
  const byId = await api.getSpace(want)
  if (byId) return byId
  const similar = (await api.findSpaces(want.slice(0, 3))).map((s) => `'${s.name}'`).slice(0, 10)
  throw new PipelineError(
    `Input '${input}': no space with id or name '${want}' on the ${api.tenant} tenant ${api.host}, or the credential cannot see it.${similar.length ? ` Spaces with similar names: ${similar.join(', ')}.` : ''}`,
    step
  )
}
