import { randomBytes } from 'node:crypto'
import type { ProjectConfig, SimulatorConfig, TaskConfig, TenantConfig } from './config.js'
import { continuousOf, initialProjectSettings, initialTaskSettings } from './engine/packages.js'

/** In-memory state of the simulated tenants. Plain data; behaviour lives in the handlers. */

export type BindingValues = Record<string, string | null>

export interface Space {
  id: string
  name: string
  type: 'shared' | 'managed' | 'data'
  description: string
  createdAt: string
}

export interface Connection {
  id: string
  spaceId: string
  name: string
  type: string
  reachable: boolean
}

/** Connection roles of a data task; each one is bound through a variable. */
export const TASK_CONNECTION_ROLES = ['sourceConnection', 'targetConnection'] as const
export type TaskConnectionRole = (typeof TASK_CONNECTION_ROLES)[number]

export interface RunRecord {
  runId: string
  startedAt: number
  /** When the run reaches its final state; undefined for continuous runs still going. */
  endsAt?: number
  stoppedAt?: number
  outcome: 'COMPLETED' | 'FAILED'
  error?: string
  /** Events already emitted for this run (so each is emitted once). */
  emitted: Set<string>
}

export interface DataTask {
  id: string
  name: string
  type: TaskConfig['type']
  description: string
  /** role -> variable name, e.g. sourceConnection -> task.landing.sourceConnection */
  connectionVars: Partial<Record<TaskConnectionRole, string>>
  datasets: string[]
  settings: Record<string, unknown>
  /** Datasets selected from a task of another project: the variable holding that project's id. */
  upstream?: { projectVar: string; taskId: string }
  continuous: boolean
  /** Size of model.yaml in exports. */
  modelBytes: number
  failPrepare?: string
  failValidate?: string
  failRun?: string
  prepared: boolean
  validated: boolean
  /** Set by an import that dropped or renamed datasets of a prepared task. */
  requiresRecreate: string[]
  reloadRequested: boolean
  runs: RunRecord[]
}

export interface Project {
  id: string
  name: string
  type: ProjectConfig['type']
  platformType: ProjectConfig['platformType']
  spaceId: string
  ownerId: string
  description: string
  createdAt: string
  settings: Record<string, unknown>
  /** Project-level connection roles: platformConnection / cloudStagingConnection -> variable name. */
  connectionVars: Partial<Record<'platformConnection' | 'cloudStagingConnection', string>>
  /** The saved export variables of the project (what GET /bindings answers). */
  bindings: BindingValues
  nameToIdMap: Record<string, string>
  /** The binding variables the project's content uses (its registry). */
  declared: string[]
  tasks: DataTask[]
  /** Number of imports applied (a version counter, handy for tests). */
  importCount: number
  /** The files of the last YAML import: what an export of the project gives back. */
  definitionFiles?: Record<string, Uint8Array>
}

export interface Credential {
  id: string
  kind: 'api-key' | 'oauth-client'
  secret: string
  clientId?: string
  /** Private key JWT clients: the registered public key (PEM) and its kid. */
  publicKey?: string
  keyId?: string
  user: string
  readOnly: boolean
}

export interface TasksApiRun {
  id: string
  actionId: string
  startedAt: number
  endsAt: number
  outcome: 'SUCCEEDED' | 'FAILED'
  source: string
}

export interface TasksApiTask {
  id: string
  name: string
  resourceId: string
  spaceId: string
  outcome: 'SUCCEEDED' | 'FAILED'
  durationMs?: number
  runs: TasksApiRun[]
  createdAt: string
}

export interface DataStore {
  id: string
  name: string
  type: string
  spaceId: string
  createdTime: string
}

export interface Tenant {
  name: string
  id: string
  host: string
  spaces: Space[]
  connections: Connection[]
  projects: Project[]
  credentials: Credential[]
  tasks: TasksApiTask[]
  dataStores: DataStore[]
  ownerId: string
}

export const newId = (bytes = 12): string => randomBytes(bytes).toString('hex')

export const connectionExpression = (spaceName: string, connectionName: string): string =>
  `{{id(connection, ${spaceName}.${connectionName})}}`

const EXPRESSION = /^\{\{\s*id\(\s*connection\s*,\s*([^.\s]+)\.(.+?)\s*\)\s*\}\}$/

/** Parse `{{id(connection, SPACE.NAME)}}`; undefined when the value is not a connection expression. */
export function parseConnectionExpression(
  value: string | null | undefined
): { space: string; name: string } | undefined {
  if (typeof value !== 'string') return undefined
  const m = EXPRESSION.exec(value.trim())
  return m ? { space: m[1] as string, name: m[2] as string } : undefined
}

export function findSpace(tenant: Tenant, idOrName: string): Space | undefined {
  return (
    tenant.spaces.find((s) => s.id === idOrName) ?? tenant.spaces.find((s) => s.name === idOrName)
  )
}

export function findConnection(
  tenant: Tenant,
  spaceName: string,
  name: string
): Connection | undefined {
  const space = tenant.spaces.find((s) => s.name === spaceName)
  if (!space) return undefined
  return tenant.connections.find((c) => c.spaceId === space.id && c.name === name)
}

/** Map every connection expression among the values to its id in this tenant (unresolved ones left out). */
export function computeNameToIdMap(tenant: Tenant, values: BindingValues): Record<string, string> {
  const map: Record<string, string> = {}
  for (const value of Object.values(values)) {
    const ref = parseConnectionExpression(value)
    if (!ref || value === null) continue
    const conn = findConnection(tenant, ref.space, ref.name)
    if (conn) map[value] = conn.id
  }
  return map
}

export const taskVar = (taskId: string, role: string): string => `task.${taskId}.${role}`

/** The binding variable of a cross-project reference: `project.<slug of its name>.projectId`. */
export const upstreamVar = (projectName: string): string =>
  `project.${projectName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '')}.projectId`

function taskId(cfg: TaskConfig): string {
  return cfg.id ?? cfg.name.replace(/[^A-Za-z0-9_-]+/g, '_')
}

// eslint-disable-next-line max-lines-per-function -- issue 33: to be split (known when the rule came in)
function buildProject(tenant: Tenant, cfg: ProjectConfig, now: string): Project {
  const space = findSpace(tenant, cfg.space)
  if (!space) throw new Error(`no space ${cfg.space}`) // checked by parseConfig
  const bindings: BindingValues = { projectName: cfg.name }
  const declared = ['projectName']
  const expr = (ref: string): string => {
    const dot = ref.indexOf('.')
    return connectionExpression(ref.slice(0, dot), ref.slice(dot + 1))
  }
  const connectionVars: Project['connectionVars'] = {}
  for (const role of ['platformConnection', 'cloudStagingConnection'] as const) {
    const ref = cfg[role]
    if (ref === undefined) continue
    connectionVars[role] = role
    bindings[role] = expr(ref)
    declared.push(role)
  }
  const declaredVars = [...declared, ...Object.keys(cfg.variables)]
  const tasks: DataTask[] = cfg.tasks.map((t) => {
    const id = taskId(t)
    const connectionVars: DataTask['connectionVars'] = {}
    for (const role of ['sourceConnection', 'targetConnection'] as const) {
      const ref = t[role]
      if (ref === undefined) continue
      const name = taskVar(id, role)
      connectionVars[role] = name
      bindings[name] = expr(ref)
      declared.push(name)
    }
    return {
      id,
      name: t.name,
      type: t.type,
      description: t.description,
      connectionVars,
      datasets: [...t.datasets],
      settings: initialTaskSettings(
        {
          id,
          type: t.type,
          continuous: t.continuous,
          ...(t.settings ? { settings: t.settings } : {})
        },
        declaredVars,
        connectionVars.targetConnection
      ),
      continuous: false,
      modelBytes: t.modelBytes,
      ...(t.failPrepare !== undefined ? { failPrepare: t.failPrepare } : {}),
      ...(t.failValidate !== undefined ? { failValidate: t.failValidate } : {}),
      ...(t.failRun !== undefined ? { failRun: t.failRun } : {}),
      prepared: true,
      validated: true,
      requiresRecreate: [],
      reloadRequested: false,
      runs: []
    }
  })
  for (const [k, v] of Object.entries(cfg.variables)) {
    bindings[k] = v
    if (!declared.includes(k)) declared.push(k)
  }
  const project: Project = {
    id: cfg.id ?? newId(),
    name: cfg.name,
    type: cfg.type,
    platformType: cfg.platformType,
    spaceId: space.id,
    ownerId: tenant.ownerId,
    description: cfg.description,
    createdAt: now,
    settings: initialProjectSettings(cfg.type, declaredVars, cfg.settings),
    connectionVars,
    bindings,
    nameToIdMap: {},
    declared,
    tasks,
    importCount: 0
  }
  project.nameToIdMap = computeNameToIdMap(tenant, bindings)
  for (const t of project.tasks) t.continuous = continuousOf(t.type, t.settings)
  cfg.tasks.forEach((tc, i) => {
    if (!tc.upstream) return
    const v = upstreamVar(tc.upstream.project)
    const task = project.tasks[i] as DataTask
    task.upstream = { projectVar: v, taskId: tc.upstream.task }
    if (!project.declared.includes(v)) project.declared.push(v)
  })
  return project
}

// eslint-disable-next-line max-lines-per-function -- issue 33: to be split (known when the rule came in)
function buildTenant(cfg: TenantConfig, now: string): Tenant {
  const tenant: Tenant = {
    name: cfg.name,
    id: newId(8),
    host: cfg.host ?? `${cfg.name}.eu.qlikcloud.com`,
    spaces: cfg.spaces.map((s) => ({
      id: s.id ?? newId(),
      name: s.name,
      type: s.type,
      description: s.description,
      createdAt: now
    })),
    connections: [],
    projects: [],
    credentials: [],
    tasks: [],
    dataStores: [],
    ownerId: `user-${newId(6)}`
  }
  const spaceId = (s: string): string => (findSpace(tenant, s) as Space).id
  tenant.connections = cfg.connections.map((c) => ({
    id: c.id ?? newId(),
    spaceId: spaceId(c.space),
    name: c.name,
    type: c.type,
    reachable: c.reachable
  }))
  tenant.projects = cfg.projects.map((p) => buildProject(tenant, p, now))
  // cross-project references are bound to the upstream project's id in this tenant
  for (const p of tenant.projects)
    for (const t of p.tasks) {
      if (!t.upstream || p.bindings[t.upstream.projectVar] !== undefined) continue
      const up = tenant.projects.find((x) => upstreamVar(x.name) === t.upstream?.projectVar)
      if (up) p.bindings[t.upstream.projectVar] = up.id
    }
  cfg.apiKeys.forEach((k, i) =>
    tenant.credentials.push({
      id: `${cfg.name}-api-key-${i + 1}`,
      kind: 'api-key',
      secret: k.key ?? `sim_${cfg.name}_${newId(16)}`,
      user: k.user,
      readOnly: k.readOnly
    })
  )
  cfg.oauthClients.forEach((c, i) =>
    tenant.credentials.push({
      id: `${cfg.name}-oauth-client-${i + 1}`,
      kind: 'oauth-client',
      clientId: c.clientId ?? `${cfg.name}-client-${newId(6)}`,
      secret: c.clientSecret ?? newId(24),
      ...(c.publicKey ? { publicKey: c.publicKey, keyId: c.keyId ?? 'key-1' } : {}),
      user: 'oauth-bot',
      readOnly: c.readOnly
    })
  )
  const firstSpace = tenant.spaces[0]?.id ?? ''
  tenant.tasks = cfg.tasks.map((t) => ({
    id: t.id ?? newId(),
    name: t.name,
    resourceId: t.resourceId,
    spaceId: t.space !== undefined ? spaceId(t.space) : firstSpace,
    outcome: t.outcome,
    ...(t.durationMs !== undefined ? { durationMs: t.durationMs } : {}),
    runs: [],
    createdAt: now
  }))
  // Data stores: the configured ones plus one per connection, as a tenant's catalog would show.
  tenant.dataStores = [
    ...cfg.dataStores.map((d) => ({
      id: d.id ?? newId(),
      name: d.name,
      type: d.type,
      spaceId: d.space !== undefined ? spaceId(d.space) : firstSpace,
      createdTime: now
    })),
    ...tenant.connections.map((c) => ({
      id: newId(),
      name: c.name,
      type: c.type,
      spaceId: c.spaceId,
      createdTime: now
    }))
  ]
  return tenant
}

export function buildTenants(cfg: SimulatorConfig, nowMs: number): Tenant[] {
  const now = new Date(nowMs).toISOString()
  return cfg.tenants.map((t) => buildTenant(t, now))
}
