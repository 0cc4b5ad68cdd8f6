import { readFileSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import { DATA_TASK_TYPES, PLATFORM_TYPES, PROJECT_TYPES } from '../qlik/vocabulary.js'

/**
 * The simulator's configuration: tenants with their spaces, connections, projects and tasks, plus
 * timing, rate limits and faults. Loaded from YAML or JSON; every problem is reported with the path
 * of the field (e.g. `tenants[1].connections[0].space`).
 */

export { DATA_TASK_TYPES, PLATFORM_TYPES, PROJECT_TYPES }

const slug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'use lower-case letters, digits and dashes (e.g. "prod")')
const id = z.string().regex(/^[A-Za-z0-9_-]+$/, 'use letters, digits, "_" and "-" only')
/** A connection reference in configuration: `SPACE_NAME.CONNECTION_NAME`. */
const connectionRef = z
  .string()
  .regex(/^[^.\s]+\.[^\s]+$/, 'expected SPACE_NAME.CONNECTION_NAME, e.g. "DEV_DATA.snowflake"')

const taskSchema = z
  .strictObject({
    id: id.optional(),
    name: z.string().min(1),
    type: z.enum(DATA_TASK_TYPES).default('LANDING'),
    description: z.string().default(''),
    sourceConnection: connectionRef.optional(),
    targetConnection: connectionRef.optional(),
    datasets: z.array(z.string().min(1)).default([]),
    /** Size of the task's model.yaml in exported packages (column definitions), to test large packages. */
    modelBytes: z.number().int().min(0).max(200_000_000).default(0),
    /** Continuous (CDC) tasks stay RUNNING once started (`fullLoadOnly: false` in the package). */
    continuous: z.boolean().default(false),
    /** Further task settings, shaped as the task type's schema (task.settings.<type>.schema.json). */
    settings: z.record(z.string(), z.unknown()).optional(),
    /**
     * Cross-project reference: this task selects its datasets from a task of another project of
     * the same tenant (on a target, the upstream project must be imported first, as Qlik requires).
     */
    upstream: z.strictObject({ project: z.string().min(1), task: z.string().min(1) }).optional(),
    /** Force this task to fail prepare / validate / its runs, with this message. */
    failPrepare: z.string().optional(),
    failValidate: z.string().optional(),
    failRun: z.string().optional()
  })
  .refine(
    (t) => t.targetConnection === undefined || ['REPLICATION', 'LAKE_LANDING'].includes(t.type),
    {
      message:
        'only REPLICATION and LAKE_LANDING tasks have a target connection (settings.targetEndpoint); the others write to the project platform',
      path: ['targetConnection']
    }
  )

const projectSchema = z.strictObject({
  id: id.optional(),
  name: z.string().min(1),
  space: z.string().min(1),
  type: z.enum(PROJECT_TYPES).default('DATA_PIPELINE'),
  platformType: z.enum(PLATFORM_TYPES).default('SNOWFLAKE'),
  description: z.string().default(''),
  platformConnection: connectionRef.optional(),
  cloudStagingConnection: connectionRef.optional(),
  /** Further binding variables the project declares, with their values in this tenant. */
  variables: z.record(z.string(), z.string().nullable()).default({}),
  /** Project settings (DATA_PIPELINE), shaped as the project schema's `settings`. */
  settings: z.record(z.string(), z.unknown()).optional(),
  tasks: z.array(taskSchema).default([])
})

const tenantSchema = z.strictObject({
  name: slug,
  /** The host name the tenant pretends to have (shown in URLs and logs). */
  host: z.string().optional(),
  apiKeys: z
    .array(
      z.strictObject({
        key: z.string().min(8).optional(),
        user: z.string().default('sim-user'),
        readOnly: z.boolean().default(false)
      })
    )
    .default([{ user: 'sim-user', readOnly: false }]),
  oauthClients: z
    .array(
      z.strictObject({
        clientId: z.string().min(4).optional(),
        clientSecret: z.string().min(8).optional(),
        /** Private key JWT: the client's public key (PEM) and its key id (kid). */
        publicKey: z.string().optional(),
        keyId: z.string().optional(),
        readOnly: z.boolean().default(false)
      })
    )
    .default([{ readOnly: false }]),
  spaces: z
    .array(
      z.strictObject({
        id: id.optional(),
        name: z.string().min(1),
        type: z.enum(['shared', 'managed', 'data']).default('shared'),
        description: z.string().default('')
      })
    )
    .default([]),
  connections: z
    .array(
      z.strictObject({
        id: id.optional(),
        space: z.string().min(1),
        name: z.string().min(1),
        type: z.string().default('generic'),
        /** An unreachable connection exists but fails prepare of the tasks that use it. */
        reachable: z.boolean().default(true)
      })
    )
    .default([]),
  projects: z.array(projectSchema).default([]),
  /** Tasks API (`/api/v1/tasks`): scheduled / chained jobs such as app reloads. */
  tasks: z
    .array(
      z.strictObject({
        id: id.optional(),
        name: z.string().min(1),
        resourceId: z.string().default(''),
        space: z.string().optional(),
        outcome: z.enum(['SUCCEEDED', 'FAILED']).default('SUCCEEDED'),
        durationMs: z.number().int().min(0).optional()
      })
    )
    .default([]),
  dataStores: z
    .array(
      z.strictObject({
        id: id.optional(),
        name: z.string().min(1),
        type: z.string().default('generic'),
        space: z.string().optional()
      })
    )
    .default([])
})

export const faultSchema = z.strictObject({
  id: z.string().optional(),
  /** Which requests: tenant name, HTTP method, a path substring and/or a path regular expression. */
  tenant: z.string().optional(),
  method: z
    .string()
    .transform((m) => m.toUpperCase())
    .optional(),
  path: z.string().optional(),
  pathRegex: z
    .string()
    .refine((r) => {
      try {
        new RegExp(r)
        return true
      } catch {
        return false
      }
    }, 'not a valid regular expression')
    .optional(),
  /** Let this many matching requests through before the fault starts. */
  after: z.number().int().min(0).default(0),
  /** How many matching requests get the fault (default: every one). */
  times: z.number().int().min(1).optional(),
  /** Answer with this status (500/502/503/504, 429, ...) in Qlik's error shape. */
  status: z.number().int().min(400).max(599).optional(),
  /** With status 429: the Retry-After value in seconds. */
  retryAfter: z.number().int().min(0).default(1),
  /** Delay before answering (ms). */
  latencyMs: z.number().int().min(0).default(0),
  /** Send the response head and part of the body, then reset the connection. */
  reset: z.boolean().default(false),
  /** Announce the full Content-Length, send only the first half of the body, then close. */
  truncate: z.boolean().default(false),
  /** For requests that start an asynchronous action: force its final state. */
  actionOutcome: z
    .strictObject({
      state: z.enum(['FAILED', 'CANCELED', 'SKIPPED', 'COMPLETED']),
      message: z.string().optional()
    })
    .optional(),
  /** For requests that start an asynchronous action: it stays EXECUTING forever. */
  neverFinish: z.boolean().default(false),
  /** Answer as a tenant without this endpoint does (404 "No endpoint ..."), e.g. an older API. */
  missingRoute: z.boolean().default(false),
  /** Leave these response headers out (e.g. ['location']: the spec does not promise it). */
  omitHeaders: z.array(z.string().transform((h) => h.toLowerCase())).default([])
})

export const configSchema = z.strictObject({
  tenants: z.array(tenantSchema).min(1, 'at least one tenant is needed'),
  timing: z
    .strictObject({
      /** How long an action stays PENDING. */
      actionPendingMs: z.number().int().min(0).default(150),
      /** How long each task of an action stays EXECUTING. */
      actionTaskMs: z.number().int().min(0).default(250),
      /** Task durations vary by up to this fraction of actionTaskMs (0 = all equal), e.g. 0.5. */
      actionTaskSpread: z.number().min(0).max(0.95).default(0),
      /**
       * With a seed, the spread follows the seed and each action's ordinal on its tenant instead of
       * the action's random id: two simulators with the same seed run the same task durations.
       */
      actionTaskSeed: z.string().optional(),
      /** Tasks of an action run at the same time and end together (default: one after another). */
      actionTasksParallel: z.boolean().default(false),
      /**
       * Tasks of an action run side by side with one duration (varied per action by the spread):
       * they all end at the same instant, so the counts show nothing until the action ends.
       */
      actionTasksEndTogether: z.boolean().default(false),
      /**
       * Fill an action's startTime and endTime. Qlik's tutorial shows a completed action answering
       * null for both, so they are null by default; the benchmark turns them on to know the true end.
       */
      actionTimes: z.boolean().default(false),
      /** Per action type overrides of actionTaskMs, e.g. { PROJECT_IMPORT: 500 }. */
      actionTaskMsByType: z.record(z.string(), z.number().int().min(0)).default({}),
      /** How long a data task run (or a Tasks API run) takes. */
      taskRunMs: z.number().int().min(0).default(1000),
      /** How long a run stays STARTING before RUNNING. */
      taskStartingMs: z.number().int().min(0).default(100)
    })
    .prefault({}),
  rateLimits: z
    .strictObject({
      windowSeconds: z.number().positive().default(300),
      tier1PerMinute: z.number().int().positive().default(1000),
      tier2PerMinute: z.number().int().positive().default(100),
      runtimeStatePerMinute: z.number().int().positive().default(120),
      tasksPerMinute: z.number().int().positive().default(600),
      enabled: z.boolean().default(true)
    })
    .prefault({}),
  /** Run history: run details older than this are purged (run datasets answer 410 Gone). */
  runDetailsRetentionSeconds: z
    .number()
    .int()
    .positive()
    .default(30 * 24 * 3600),
  /** A run with more datasets than this answers 413 on its datasets endpoint (too large). */
  runDatasetsLimit: z.number().int().positive().default(10_000),
  tokenTtlSeconds: z.number().int().positive().default(21600),
  /** Largest package the import and validate endpoints accept. */
  maxPackageBytes: z
    .number()
    .int()
    .positive()
    .default(10 * 1024 * 1024),
  faults: z.array(faultSchema).default([])
})

export type SimulatorConfigInput = z.input<typeof configSchema>
export type SimulatorConfig = z.output<typeof configSchema>
export type TenantConfig = SimulatorConfig['tenants'][number]
export type ProjectConfig = TenantConfig['projects'][number]
export type TaskConfig = ProjectConfig['tasks'][number]
export type FaultRuleInput = z.input<typeof faultSchema>
export type FaultRule = z.output<typeof faultSchema>

export class ConfigError extends Error {
  constructor(
    message: string,
    readonly problems: string[]
  ) {
    super(message)
    this.name = 'ConfigError'
  }
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = ''
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`
    else out += out === '' ? String(part) : `.${String(part)}`
  }
  return out || '(top level)'
}

/** Validate a configuration object; throws ConfigError naming each bad field. */
export function parseConfig(input: unknown, source = 'configuration'): SimulatorConfig {
  const result = configSchema.safeParse(input)
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`)
    throw new ConfigError(`${source} is not valid:\n  - ${problems.join('\n  - ')}`, problems)
  }
  const problems = checkReferences(result.data)
  if (problems.length > 0) {
    throw new ConfigError(`${source} is not valid:\n  - ${problems.join('\n  - ')}`, problems)
  }
  return result.data
}

/** Cross-field checks zod cannot express: unique names, references to spaces and connections. */
function checkReferences(cfg: SimulatorConfig): string[] {
  const problems: string[] = []
  const dup = (values: string[], where: string, what: string): void => {
    const seen = new Set<string>()
    values.forEach((v, i) => {
      if (seen.has(v)) problems.push(`${where}[${i}]: duplicate ${what} "${v}"`)
      seen.add(v)
    })
  }
  dup(
    cfg.tenants.map((t) => t.name),
    'tenants',
    'tenant name'
  )
  cfg.tenants.forEach((t, ti) => {
    const at = `tenants[${ti}]`
    const spaceNames = new Set(t.spaces.map((s) => s.name))
    const spaceIds = new Set(t.spaces.map((s) => s.id).filter(Boolean))
    const hasSpace = (s: string): boolean => spaceNames.has(s) || spaceIds.has(s)
    dup(
      t.spaces.map((s) => s.name),
      `${at}.spaces`,
      'space name'
    )
    const conns = new Set<string>()
    t.connections.forEach((c, ci) => {
      if (!hasSpace(c.space))
        problems.push(`${at}.connections[${ci}].space: no space "${c.space}" in tenant ${t.name}`)
      const key = `${c.space}.${c.name}`
      if (conns.has(key))
        problems.push(`${at}.connections[${ci}]: duplicate connection "${c.name}" in ${c.space}`)
      conns.add(key)
    })
    const checkConn = (ref: string | undefined, where: string): void => {
      if (ref !== undefined && !conns.has(ref))
        problems.push(`${where}: no connection "${ref}" in tenant ${t.name} (SPACE.NAME)`)
    }
    const projectKeys = new Set<string>()
    t.projects.forEach((p, pi) => {
      const pat = `${at}.projects[${pi}]`
      if (!hasSpace(p.space))
        problems.push(`${pat}.space: no space "${p.space}" in tenant ${t.name}`)
      const key = `${p.space}/${p.name}`
      if (projectKeys.has(key))
        problems.push(`${pat}.name: duplicate project "${p.name}" in space ${p.space}`)
      projectKeys.add(key)
      checkConn(p.platformConnection, `${pat}.platformConnection`)
      checkConn(p.cloudStagingConnection, `${pat}.cloudStagingConnection`)
      dup(
        p.tasks.map((k) => k.id ?? k.name),
        `${pat}.tasks`,
        'task'
      )
      p.tasks.forEach((k, ki) => {
        checkConn(k.sourceConnection, `${pat}.tasks[${ki}].sourceConnection`)
        checkConn(k.targetConnection, `${pat}.tasks[${ki}].targetConnection`)
      })
    })
    t.tasks.forEach((k, ki) => {
      if (k.space !== undefined && !hasSpace(k.space))
        problems.push(`${at}.tasks[${ki}].space: no space "${k.space}" in tenant ${t.name}`)
    })
    t.dataStores.forEach((d, di) => {
      if (d.space !== undefined && !hasSpace(d.space))
        problems.push(`${at}.dataStores[${di}].space: no space "${d.space}" in tenant ${t.name}`)
    })
  })
  cfg.faults.forEach((f, fi) => {
    if (f.tenant !== undefined && !cfg.tenants.some((t) => t.name === f.tenant))
      problems.push(`faults[${fi}].tenant: no tenant named "${f.tenant}"`)
  })
  return problems
}

/** Read a YAML or JSON configuration file. */
export function loadConfigFile(path: string): SimulatorConfig {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (e) {
    throw new ConfigError(
      `cannot read simulator configuration ${path}: ${(e as Error).message}`,
      []
    )
  }
  let data: unknown
  try {
    data = /\.json$/i.test(path) ? JSON.parse(text) : parseYaml(text)
  } catch (e) {
    throw new ConfigError(`${path} is not valid YAML/JSON: ${(e as Error).message}`, [])
  }
  return parseConfig(data, path)
}
