/* eslint-disable max-lines -- issue 33: to be split (known when the rule came in) */
import { Blob } from 'node:buffer'
import { FormData } from 'undici'
import { z } from 'zod'
import type { QlikClient } from './client.js'
import { QlikApiError } from './errors.js'
import { listIn, parse } from './parse.js'
import {
  actionStatusSchema,
  bindingsSchema,
  dataConnectionSchema,
  dataStoreSchema,
  projectSchema,
  qlikTaskRunSchema,
  qlikTaskSchema,
  reportSchema,
  runItemSchema,
  runtimeStateSchema,
  spaceSchema,
  taskSchema,
  type ActionError,
  type ActionState,
  type ActionStatus,
  type Bindings,
  type DataConnection,
  type DataStore,
  type DataTask,
  type DefinitionReport,
  type Project,
  type QlikTask,
  type QlikTaskRun,
  type RunItem,
  type RuntimeState,
  type Space,
  type TaskRun
} from './responses.js'

/**
 * One typed function per Qlik endpoint the pipeline uses. Responses are checked with zod (unknown
 * fields pass through; list endpoints accept both `{projects:[...]}` and the tutorial's bare array).
 */

export { FINAL_STATES, projectSchema, actionStatusSchema, runSchema } from './responses.js'
export type {
  DataConnection,
  ActionState,
  Project,
  ActionError,
  ActionStatus,
  Bindings,
  Space,
  DefinitionReport,
  DataTask,
  TaskRun,
  RuntimeState,
  RunItem,
  QlikTask,
  QlikTaskRun,
  DataStore
}

const enc = encodeURIComponent

/** A package to upload: bytes, or a Blob (e.g. fs.openAsBlob of the file, which is not held in memory). */
export type PackageBody = Uint8Array | Blob

function zipForm(zip: PackageBody): FormData {
  const form = new FormData()
  form.append(
    'zip',
    zip instanceof Blob ? zip : new Blob([zip], { type: 'application/zip' }),
    'project.zip'
  )
  return form
}

const actionIdSchema = z.looseObject({ actionId: z.string() })

export class QlikApi {
  constructor(readonly client: QlikClient) {}

  get tenant(): string {
    return this.client.tenant
  }
  get host(): string {
    return this.client.host
  }

  async listProjects(spaceId?: string): Promise<Project[]> {
    const path = '/api/v1/di-projects'
    const r = await this.client.request({
      method: 'GET',
      path,
      query: { spaceId },
      idempotent: true
    })
    const list = Array.isArray(r.data)
      ? r.data
      : ((r.data as { projects?: unknown })?.projects ?? [])
    return parse(this.client, 'GET', path, z.array(projectSchema), list)
  }

  async getProject(id: string): Promise<Project | undefined> {
    return this.getIfFound(`/api/v1/di-projects/${enc(id)}`, projectSchema)
  }

  /** GET one resource; undefined when Qlik answers one of `missing` (404: there is none). */
  private async getIfFound<T>(
    path: string,
    schema: z.ZodType<T>,
    missing = [404],
    query?: Record<string, string>
  ): Promise<T | undefined> {
    const r = await this.client.request({
      method: 'GET',
      path,
      ...(query ? { query } : {}),
      idempotent: true,
      okStatuses: missing
    })
    if (missing.includes(r.status)) return undefined
    return parse(this.client, 'GET', path, schema, r.data)
  }

  async createProject(body: {
    name: string
    type: string
    space: string
    description?: string
    platformType?: string
    platformConnection?: string
    cloudStagingConnection?: string
  }): Promise<Project> {
    const path = '/api/v1/di-projects'
    const r = await this.client.request({ method: 'POST', path, json: body, idempotent: false })
    return parse(this.client, 'POST', path, projectSchema, r.data)
  }

  async exportProject(id: string, mode: string, includeBindings: boolean): Promise<Uint8Array> {
    const path = `/api/v1/di-projects/${enc(id)}/actions/export`
    // Export changes nothing on the tenant, so it is safe to repeat after a reset or a 5xx.
    const r = await this.client.request({
      method: 'POST',
      path,
      json: { mode, includeBindings },
      accept: 'application/octet-stream',
      binary: true,
      idempotent: true,
      timeoutMs: 300_000
    })
    return r.bytes as Uint8Array
  }

  async getBindings(id: string, recalculate = false): Promise<Bindings> {
    const path = `/api/v1/di-projects/${enc(id)}/bindings`
    const r = await this.client.request({
      method: 'GET',
      path,
      query: recalculate ? { recalculate: true } : {},
      idempotent: true
    })
    const b = parse(this.client, 'GET', path, bindingsSchema, r.data ?? {})
    return { variables: b.variables ?? {}, nameToIdMap: b.nameToIdMap ?? {} }
  }

  /** PUT the full set: it replaces the saved one, so sending it again is harmless. */
  async setBindings(id: string, variables: Record<string, string | null>): Promise<void> {
    await this.client.request({
      method: 'PUT',
      path: `/api/v1/di-projects/${enc(id)}/bindings`,
      json: { variables },
      idempotent: true
    })
  }

  async validateDefinitions(zip: PackageBody): Promise<DefinitionReport[]> {
    const path = '/api/v1/di-projects/utils/actions/validate-project-definitions'
    const r = await this.client.request({
      method: 'POST',
      path,
      form: zipForm(zip),
      idempotent: true,
      timeoutMs: 300_000
    })
    return listIn(this.client, 'POST', path, 'reports', reportSchema, r.data)
  }

  /**
   * Start an import. A 404 means the project was not found (deleted since it was looked up?), not that
   * the endpoint is missing: only an error that says the route itself is missing (a gateway's "page
   * not found", "no endpoint") counts as an older API without import-async.
   */
  async importAsync(id: string, zip: PackageBody): Promise<string> {
    const path = `/api/v1/di-projects/${enc(id)}/actions/import-async`
    let r
    try {
      r = await this.client.request({
        method: 'POST',
        path,
        form: zipForm(zip),
        idempotent: false,
        timeoutMs: 300_000
      })
    } catch (e) {
      if (!(e instanceof QlikApiError) || e.status !== 404) throw e
      if (routeMissing(e.details)) throw new EndpointMissingError()
      throw new QlikApiError(
        `${e.message} - the target project ${id} was not found: it may have been deleted or moved since it was looked up. Nothing was imported; run again to find or create it.`,
        e.details
      )
    }
    return parse(this.client, 'POST', path, actionIdSchema, r.data).actionId
  }

  /** The legacy synchronous import: only for LEGACY packages where import-async does not exist. */
  async importSync(id: string, zip: PackageBody): Promise<void> {
    await this.client.request({
      method: 'POST',
      path: `/api/v1/di-projects/${enc(id)}/actions/import`,
      form: zipForm(zip),
      idempotent: false,
      timeoutMs: 300_000
    })
  }

  async prepare(id: string, allowRecreate: boolean): Promise<string> {
    const path = `/api/v1/di-projects/${enc(id)}/actions/prepare`
    const r = await this.client.request({
      method: 'POST',
      path,
      json: { allowRecreate, selectedTasks: [] },
      idempotent: false
    })
    return parse(this.client, 'POST', path, actionIdSchema, r.data).actionId
  }

  async validate(id: string): Promise<string> {
    const path = `/api/v1/di-projects/${enc(id)}/actions/validate`
    const r = await this.client.request({
      method: 'POST',
      path,
      json: { selectedTasks: [] },
      idempotent: false
    })
    return parse(this.client, 'POST', path, actionIdSchema, r.data).actionId
  }

  async actionStatus(actionId: string): Promise<ActionStatus> {
    const path = `/api/v1/di-projects/actions/${enc(actionId)}`
    const r = await this.client.request({
      method: 'GET',
      path,
      query: { detailed: true },
      idempotent: true
    })
    return parse(this.client, 'GET', path, actionStatusSchema, r.data)
  }

  async listTasks(projectId: string): Promise<DataTask[]> {
    const path = `/api/v1/di-projects/${enc(projectId)}/di-tasks`
    const r = await this.client.request({ method: 'GET', path, idempotent: true })
    const list = Array.isArray(r.data)
      ? r.data
      : ((r.data as { dataTasks?: unknown })?.dataTasks ?? [])
    return parse(this.client, 'GET', path, z.array(taskSchema), list)
  }

  // ---------- data task runtime ----------

  private taskPath(projectId: string, taskId: string, rest: string): string {
    return `/api/v1/di-projects/${enc(projectId)}/di-tasks/${enc(taskId)}${rest}`
  }

  async runtimeState(projectId: string, taskId: string): Promise<RuntimeState> {
    const path = this.taskPath(projectId, taskId, '/runtime/state')
    const r = await this.client.request({ method: 'GET', path, idempotent: true })
    return parse(this.client, 'GET', path, runtimeStateSchema, r.data ?? {})
  }

  async startTask(projectId: string, taskId: string): Promise<void> {
    await this.client.request({
      method: 'POST',
      path: this.taskPath(projectId, taskId, '/runtime/actions/start'),
      idempotent: false
    })
  }

  async stopTask(projectId: string, taskId: string): Promise<void> {
    await this.client.request({
      method: 'POST',
      path: this.taskPath(projectId, taskId, '/runtime/actions/stop'),
      idempotent: false
    })
  }

  /** The most recent runs of a data task (run history; Tier 2). */
  async searchRuns(projectId: string, taskId: string, limit = 5): Promise<RunItem[]> {
    const path = this.taskPath(projectId, taskId, '/runtime/runs/actions/search')
    const r = await this.client.request({
      method: 'POST',
      path,
      json: { limit },
      // a search changes nothing: safe to repeat
      idempotent: true
    })
    return listIn(this.client, 'POST', path, 'runs', runItemSchema, r.data)
  }

  // ---------- Tasks API ----------

  /** Every Tasks API task of the tenant (paged through links.next). */
  async listQlikTasks(): Promise<QlikTask[]> {
    return this.pages('/api/v1/tasks', { limit: '100' }, qlikTaskSchema)
  }

  async startQlikTask(id: string): Promise<void> {
    await this.client.request({
      method: 'POST',
      path: `/api/v1/tasks/${enc(id)}/actions/start`,
      query: { source: 'qlik-di-promote' },
      idempotent: false
    })
  }

  /** The last run of a Tasks API task, or undefined when it never ran. */
  async lastQlikTaskRun(id: string): Promise<QlikTaskRun | undefined> {
    return this.getIfFound(`/api/v1/tasks/${enc(id)}/runs/last`, qlikTaskRunSchema)
  }

  /**
   * A run's log as text. Qlik's spec answers the raw log for `Accept: text/plain` and, by default,
   * JSON `{ logContent }`: a tenant that answers JSON anyway gives its logContent, not JSON text.
   */
  async qlikTaskRunLog(id: string, runId: string): Promise<string> {
    const r = await this.client.request({
      method: 'GET',
      path: `/api/v1/tasks/${enc(id)}/runs/${enc(runId)}/log`,
      accept: 'text/plain',
      binary: true,
      idempotent: true
    })
    const text = Buffer.from(r.bytes ?? new Uint8Array()).toString('utf8')
    if (!/\bjson\b/i.test(String(r.headers['content-type'] ?? ''))) return text
    try {
      const doc = JSON.parse(text) as { logContent?: unknown }
      return typeof doc.logContent === 'string' ? doc.logContent : text
    } catch {
      return text
    }
  }

  // ---------- data connections ----------

  /** A connection by its exact name in a space; undefined when the space has none of that name. */
  async findConnection(spaceId: string, name: string): Promise<DataConnection | undefined> {
    return this.getIfFound(`/api/v1/data-connections/${enc(name)}`, dataConnectionSchema, [404], {
      type: 'connectionname',
      spaceId
    })
  }

  /** A connection by its id; undefined when there is none. */
  async getConnection(id: string): Promise<DataConnection | undefined> {
    return this.getIfFound(`/api/v1/data-connections/${enc(id)}`, dataConnectionSchema)
  }

  /** Every connection of a space (paged through links.next). */
  async listConnections(spaceId: string): Promise<DataConnection[]> {
    return this.pages('/api/v1/data-connections', { spaceId, limit: '100' }, dataConnectionSchema)
  }

  // ---------- data stores ----------

  /** Every data store of the catalog (paged through links.next). */
  async listDataStores(): Promise<DataStore[]> {
    return this.pages('/api/v1/data-stores', { limit: '100' }, dataStoreSchema)
  }

  private async pages<T>(
    first: string,
    firstQuery: Record<string, string>,
    item: z.ZodType<T>
  ): Promise<T[]> {
    const out: T[] = []
    let path = first
    let query: Record<string, string | undefined> = firstQuery
    for (let page = 0; page < 100; page++) {
      const r = await this.client.request({ method: 'GET', path, query, idempotent: true })
      const body = parse(
        this.client,
        'GET',
        path,
        z.looseObject({
          data: z.array(item).nullish(),
          links: z.looseObject({ next: z.looseObject({ href: z.string() }).nullish() }).nullish()
        }),
        r.data
      )
      out.push(...(body.data ?? []))
      const next = body.links?.next?.href
      if (!next) break
      const u = new URL(next, this.client.baseUrl)
      path = u.pathname
      query = Object.fromEntries(u.searchParams)
    }
    return out
  }

  /** Every space whose name contains `name` (the API searches by substring; callers filter exactly). */
  async findSpaces(name: string): Promise<Space[]> {
    return this.pages('/api/v1/spaces', { name, limit: '100' }, spaceSchema)
  }

  /** A space by id; undefined for 404, and for 400 (a name is not a valid space id). */
  async getSpace(id: string): Promise<Space | undefined> {
    return this.getIfFound(`/api/v1/spaces/${enc(id)}`, spaceSchema, [404, 400])
  }
}

/** Whether a 404 says the route itself is missing (rather than the resource it names). */
export function routeMissing(d: { code?: string; title?: string; detail?: string }): boolean {
  const text = `${d.title ?? ''} ${d.detail ?? ''}`
  return /\b(no (such )?(endpoint|route)|(route|endpoint|page) not found|unknown (endpoint|route))\b/i.test(
    text
  )
}

/** The tenant has no import-async endpoint (older API). */
export class EndpointMissingError extends Error {
  override readonly name = 'EndpointMissingError'
  constructor() {
    super('import-async is not available on this tenant')
  }
}
