import type { DataConnection, Space } from '../../qlik/api.js'
import { QlikApiError } from '../../qlik/errors.js'
import { similar } from '../../util/similar.js'
import type { StepContext, TargetState } from '../context.js'
import { CONNECTION_PARTS } from './bindings.js'
import type { ConnectionCheck } from '../../model/plan.js'

/**
 * Every connection this run would bind, looked up in the target tenant with the data-connections
 * API before the first write: each `{{id(connection, SPACE.NAME)}}` value of the merged bindings,
 * and `platform-connection` / `cloud-staging-connection` when the target project is created. A
 * space or connection that is not there is found now, with the names that are, instead of after
 * the project was created and the bindings were put. (The read-back of the bindings after the PUT
 * stays as a second line of defence.)
 */

interface Ref {
  variable: string
  expression: string
  space?: string
  name?: string
  /** A connection given by id (platform-connection can be one). */
  id?: string
}

/** `SPACE.NAME` given to platform-connection / cloud-staging-connection. */
const SPACE_DOT_NAME = /^([^.\s{}]+)\.(.+)$/

function refsOf(ctx: StepContext, t: TargetState, values: Record<string, string | null>): Ref[] {
  const refs: Ref[] = []
  for (const [variable, value] of Object.entries(values)) {
    const m = typeof value === 'string' ? CONNECTION_PARTS.exec(value.trim()) : null
    if (m && value !== null)
      refs.push({ variable, expression: value, space: m[1] as string, name: m[2] as string })
  }
  if (!t.existing) {
    for (const [input, value] of [
      ['platform-connection', ctx.o.platformConnection],
      ['cloud-staging-connection', ctx.o.cloudStagingConnection]
    ] as const) {
      if (!value) continue
      const m = CONNECTION_PARTS.exec(value) ?? SPACE_DOT_NAME.exec(value)
      refs.push(
        m
          ? { variable: `input '${input}'`, expression: value, space: m[1]!, name: m[2]! }
          : { variable: `input '${input}'`, expression: value, id: value }
      )
    }
  }
  return refs
}

const quoted = (xs: string[]): string => xs.map((x) => `'${x}'`).join(', ')

/**
 * Names like `want` among `names`; when none is alike and `names` is the whole list, the first few.
 */
function hint(want: string, names: string[], what: string, whole: boolean): string {
  const like = [...new Set(names.filter((n) => n !== want && similar(n, want)))].slice(0, 5)
  if (like.length) return `; similar ${what}: ${quoted(like)}`
  if (!whole) return ''
  if (names.length === 0) return `; it has no ${what}`
  return `; its ${what}: ${quoted(names.slice(0, 10))}${names.length > 10 ? `, and ${names.length - 10} more` : ''}`
}

/** Spaces whose names share a part with `name` (the API searches names by substring). */
async function spacesLike(api: TargetState['api'], name: string): Promise<string[]> {
  const probes = new Set([
    name.slice(0, 3),
    ...name.split(/[_\-.\s]+/).filter((x) => x.length >= 3)
  ])
  const found = await Promise.all([...probes].map((p) => api.findSpaces(p)))
  return found.flat().map((s) => s.name)
}

export async function lookUpConnections(
  ctx: StepContext,
  t: TargetState,
  values: Record<string, string | null>
): Promise<ConnectionCheck[]> {
  const api = t.api
  const spaces = new Map<string, Promise<Space | undefined>>()
  const found = new Map<string, Promise<DataConnection | undefined>>()
  const lists = new Map<string, Promise<DataConnection[]>>()
  const once = <T>(m: Map<string, Promise<T>>, key: string, get: () => Promise<T>) => {
    if (!m.has(key)) m.set(key, get())
    return m.get(key)!
  }
  const space = (name: string) =>
    once(spaces, name, () => api.findSpaces(name).then((xs) => xs.find((s) => s.name === name)))
  const out: ConnectionCheck[] = []
  for (const r of refsOf(ctx, t, values)) {
    const base = { variable: r.variable, expression: r.expression }
    try {
      if (r.id !== undefined) {
        const c = await once(found, `id:${r.id}`, () => api.getConnection(r.id!))
        out.push(
          c
            ? { ...base, status: 'resolved', detail: `${c.qName} (${c.qID})` }
            : {
                ...base,
                status: 'missing',
                detail: `no connection with id '${r.id}' on ${api.host}: give it as SPACE.NAME or an id that exists there`
              }
        )
        continue
      }
      const sp = await space(r.space!)
      if (!sp) {
        const others = await spacesLike(api, r.space!)
        out.push({
          ...base,
          status: 'space-missing',
          detail: `there is no space '${r.space}' on ${api.host} (or the credential cannot see it)${hint(r.space!, others, 'spaces', false)}`
        })
        continue
      }
      const c = await once(found, `${sp.id}:${r.name}`, () => api.findConnection(sp.id, r.name!))
      if (c) {
        out.push({ ...base, status: 'resolved', detail: `${c.qName} (${c.qID}) in ${sp.name}` })
        continue
      }
      const names = (await once(lists, sp.id, () => api.listConnections(sp.id))).map((x) => x.qName)
      out.push({
        ...base,
        status: 'missing',
        detail: `no connection '${r.name}' in space ${sp.name} on ${api.host}${hint(r.name!, names, 'connections', true)}`
      })
    } catch (e) {
      // a credential that may not read connections: the read-back after the PUT still checks them
      if (!(e instanceof QlikApiError) || e.status !== 403) throw e
      out.push({
        ...base,
        status: 'unknown',
        detail: `the credential may not read data connections on ${api.host} (403): checked once the bindings are set`
      })
    }
  }
  return out
}

/** The lookups that mean the run would fail, in words. */
export function connectionProblems(checks: ConnectionCheck[]): string[] {
  return checks
    .filter((c) => c.status === 'missing' || c.status === 'space-missing')
    .map((c) => `${c.variable} = ${c.expression}: ${c.detail ?? c.status}`)
}
