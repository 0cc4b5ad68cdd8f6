import { isIP } from 'node:net'
import { z } from 'zod'
import type { TenantAuth } from './qlik/client.js'
import { SigningKeyError, signingKey } from './qlik/jwt.js'

/**
 * Every option of the action and the CLI, defined once in `optionsSchema` (zod): its default, its
 * description, whether it is a secret, and how its text becomes a typed value. `parseOptions`
 * checks lengths and control characters, parses each field, then checks the combinations (modes,
 * credentials) and builds the `Options` the pipeline takes, naming the input in every error,
 * before any request is sent.
 */

export type Mode = 'promote' | 'export' | 'deploy' | 'validate'
export const MODES: readonly Mode[] = ['promote', 'export', 'deploy', 'validate']
export const EXPORT_MODES = ['MINIMAL', 'ALL', 'LEGACY'] as const
export const PROJECT_TYPES = ['DATA_PIPELINE', 'DATA_MOVEMENT'] as const
export const PLATFORM_TYPES = [
  'SNOWFLAKE',
  'BIGQUERY',
  'SYNAPSE',
  'DATABRICKS',
  'REDSHIFT',
  'MSSQL',
  'FABRIC',
  'QLIK_QVD',
  'QLIK_QVD_CUSTOMER_MANAGED',
  'QLIK_OPEN_LAKEHOUSE',
  'NONE'
] as const

/** A text input, as given (the default when empty). */
const text = () => z.string()

/** true/false (also yes/no, on/off, 1/0). */
const flag = () =>
  z.string().transform((v, ctx) => {
    if (TRUE.includes(v)) return true
    if (FALSE.includes(v)) return false
    ctx.addIssue({ code: 'custom', message: `must be true or false, got ${show(v)}.` })
    return z.NEVER
  })

/** One of a few words (upper- or lower-cased before the comparison); empty is undefined. */
const choice = <T extends string>(allowed: readonly T[], upper: boolean) =>
  z.string().transform((v, ctx): T | undefined => {
    if (v === '') return undefined
    const norm = upper ? v.toUpperCase() : v.toLowerCase()
    if ((allowed as readonly string[]).includes(norm)) return norm as T
    ctx.addIssue({
      code: 'custom',
      message: `must be one of ${allowed.join(', ')}, got ${show(v)}.`
    })
    return z.NEVER
  })

/** A number in a range; empty is undefined. */
const number = (r: { min: number; max: number; integer?: boolean }) =>
  z.string().transform((v, ctx): number | undefined => {
    if (v === '') return undefined
    const n = Number(v)
    if (Number.isFinite(n) && (!r.integer || Number.isInteger(n)) && n >= r.min && n <= r.max)
      return n
    ctx.addIssue({
      code: 'custom',
      message: `must be ${r.integer ? 'a whole number' : 'a number'} from ${r.min} to ${r.max}, got ${show(v)}.`
    })
    return z.NEVER
  })

/**
 * The one schema of every option. The action reads them as inputs (INPUT_<NAME>), the CLI as
 * --flags or QLIK_<NAME> environment variables; action.yml, the CLI's --help and the README's
 * table are generated from it. Each field takes the input's text (trimmed; empty means the
 * default) and turns it into a typed value, naming the input in every error.
 */
export const optionsSchema = z.strictObject({
  mode: choice(MODES, false).meta({
    default: 'promote',
    description:
      'promote (export and deploy in one job), export (source to artifact), deploy (artifact, ZIP or package-dir to target) or validate (check package-dir or zip-path offline, no tenant).'
  }),
  'source-tenant': text().meta({
    default: '',
    description: 'Source tenant URL or host name, e.g. https://acme-dev.eu.qlikcloud.com.'
  }),
  'source-api-key': text().meta({
    default: '',
    description:
      'API key for the source tenant (or use source-client-id and source-client-secret).',
    secret: true
  }),
  'source-client-id': text().meta({
    default: '',
    description: 'OAuth machine-to-machine client id for the source tenant.'
  }),
  'source-client-secret': text().meta({
    default: '',
    description: 'OAuth machine-to-machine client secret for the source tenant.',
    secret: true
  }),
  'source-private-key': text().meta({
    default: '',
    description:
      'OAuth private key JWT for the source tenant: the PEM private key (RSA >= 2048 bits or EC P-384) of source-client-id, instead of a client secret.',
    secret: true
  }),
  'source-key-id': text().meta({
    default: '',
    description: 'The key id (kid) of source-private-key, as registered with the OAuth client.'
  }),
  'source-project': text().meta({ default: '', description: 'Source project id or exact name.' }),
  'source-space': text().meta({
    default: '',
    description: 'Space id or name that holds the source project (narrows the name lookup).'
  }),
  'target-tenant': text().meta({
    default: '',
    description: 'Target tenant URL or host name, e.g. https://acme-prod.eu.qlikcloud.com.'
  }),
  'target-api-key': text().meta({
    default: '',
    description:
      'API key for the target tenant (or use target-client-id and target-client-secret).',
    secret: true
  }),
  'target-client-id': text().meta({
    default: '',
    description: 'OAuth machine-to-machine client id for the target tenant.'
  }),
  'target-client-secret': text().meta({
    default: '',
    description: 'OAuth machine-to-machine client secret for the target tenant.',
    secret: true
  }),
  'target-private-key': text().meta({
    default: '',
    description:
      'OAuth private key JWT for the target tenant: the PEM private key (RSA >= 2048 bits or EC P-384) of target-client-id, instead of a client secret.',
    secret: true
  }),
  'target-key-id': text().meta({
    default: '',
    description: 'The key id (kid) of target-private-key, as registered with the OAuth client.'
  }),
  'target-space': text().meta({
    default: '',
    description: 'Space id or name in the target tenant where the project lives (or is created).'
  }),
  'target-project': text().meta({
    default: '',
    description: "Target project name or id (default: the source project's name)."
  }),
  'project-type': choice(PROJECT_TYPES, true).meta({
    default: '',
    description:
      'DATA_PIPELINE or DATA_MOVEMENT; used only when the target project is created (default: as the source).'
  }),
  'platform-type': choice(PLATFORM_TYPES, true).meta({
    default: '',
    description: 'Platform of a created target project, e.g. SNOWFLAKE (default: as the source).'
  }),
  'platform-connection': text().meta({
    default: '',
    description: 'Platform connection of a created target project (id or SPACE.NAME).'
  }),
  'cloud-staging-connection': text().meta({
    default: '',
    description: 'Cloud staging connection of a created target project (id or SPACE.NAME).'
  }),
  'project-description': text().meta({
    default: '',
    description: 'Description of a created target project (default: as the source).'
  }),
  'bindings-file': text().meta({
    default: '',
    description:
      "Path of this environment's bindings file (.yaml/.yml/.json), e.g. qlik/bindings/prod.yaml; 'bindings' is laid over it."
  }),
  bindings: text().meta({
    default: '',
    description:
      'Target bindings: inline YAML/JSON mapping, or a path to a .yaml/.yml/.json file. ${ENV_VAR} in values is expanded from the environment.'
  }),
  'strict-bindings': flag().meta({
    default: 'true',
    description:
      'Fail before import when a variable the package declares has no value for the target.'
  }),
  'export-mode': choice(EXPORT_MODES, true).meta({
    default: 'MINIMAL',
    description: 'MINIMAL, ALL or LEGACY (deprecated JSON format).'
  }),
  'include-bindings': flag().meta({
    default: 'false',
    description: "Include the source's bindings.json in the exported package."
  }),
  'artifact-name': text().meta({
    default: '',
    description:
      'Name of the workflow artifact holding the package (default: derived from project and ref).'
  }),
  'retention-days': number({ min: 1, max: 90, integer: true }).meta({
    default: '',
    description: 'Days to keep the artifact (default: the repository setting).'
  }),
  'zip-path': text().meta({
    default: '',
    description: 'deploy: a local package ZIP to deploy instead of an artifact.'
  }),
  'package-dir': text().meta({
    default: '',
    description:
      "deploy / validate: a folder of the repository holding a project in Qlik's layout (qtcp_project.yaml, qtcp_tasks/...), deployed as a package."
  }),
  'projects-file': text().meta({
    default: '',
    description:
      'A YAML file listing several projects (source, target, bindings, dependsOn), promoted in dependency order (promote), exported as one artifact (export) or deployed from it (deploy); see schemas/projects.schema.json.'
  }),
  'export-dir': text().meta({
    default: '',
    description:
      'export / promote: also write the exported package into this folder (normalised for git, no bindings.json), to commit it.'
  }),
  'artifact-run-id': number({ min: 1, max: Number.MAX_SAFE_INTEGER, integer: true }).meta({
    default: '',
    description: 'deploy: the workflow run id whose artifact to deploy (needs github-token).'
  }),
  'github-token': text().meta({
    default: '',
    description:
      "Token to download an artifact of another workflow run (actions: read) and, on a pull request, to post the dry run's release plan as one comment updated in place (pull-requests: write).",
    secret: true
  }),
  prepare: flag().meta({
    default: 'true',
    description: 'Prepare the target project after import.'
  }),
  'allow-recreate': flag().meta({
    default: 'false',
    description: 'Let prepare drop and recreate datasets when the design requires it.'
  }),
  validate: flag().meta({
    default: 'true',
    description: 'Validate the target project after prepare.'
  }),
  'run-tasks': text().meta({
    default: '',
    description:
      'After validation, run data tasks and wait for them: empty (none), all (landing, then storage, then transform and marts), or a comma-separated list of task ids or names (in that order).'
  }),
  quiesce: choice(['auto', 'true', 'false'] as const, false).meta({
    default: 'auto',
    description:
      'Stop the data tasks running on an existing target before the import and start exactly those again afterwards, whatever the outcome. auto: when run-tasks is set.'
  }),
  'run-healthy-seconds': number({ min: 0, max: 3600, integer: true }).meta({
    default: '30',
    description:
      'A continuous (CDC) task counts as healthy when it is RUNNING and stays so this long.'
  }),
  'trigger-tasks': text().meta({
    default: '',
    description:
      'After the data tasks: Tasks API tasks (e.g. app reloads) to start and wait for, a comma-separated list of ids or names.'
  }),
  'expect-data-stores': text().meta({
    default: '',
    description:
      "At the end: data store names that must exist in the target's data stores catalog (comma-separated)."
  }),
  'poll-interval': number({ min: 0.01, max: 600 }).meta({
    default: '2',
    description:
      'Seconds before the first status check of an asynchronous action; later checks follow the end its status predicts (sparse far from it, dense near it), at most 2 a second and at least every 10 s.'
  }),
  timeout: number({ min: 1, max: 86400 }).meta({
    default: '1800',
    description: 'Seconds to wait for each asynchronous action (import, prepare, validate).'
  }),
  'dry-run': flag().meta({
    default: 'false',
    description: 'Read only: report what would change on the target and change nothing.'
  }),
  'on-failure': choice(['restore', 'keep'] as const, false).meta({
    default: 'restore',
    description:
      "restore: when the import does not complete, put the existing target's previous bindings back so it ends as it was; keep: leave the new bindings for debugging."
  }),
  backup: flag().meta({
    default: 'true',
    description:
      'Export the existing target project before importing over it, and keep it as an artifact.'
  }),
  'report-path': text().meta({
    default: '',
    description:
      'Where to write the JSON report of the run (default: a file in the runner temp directory).'
  })
})

export interface OptionSpec {
  name: string
  description: string
  default: string
  /** Masked the moment it is read; never printed. */
  secret?: boolean
}

/** The options as a list, in the schema's order (action.yml, --help and the README come from it). */
export const OPTION_SPECS: readonly OptionSpec[] = Object.entries(optionsSchema.shape).map(
  ([name, field]) => ({ name, ...(field.meta() as Omit<OptionSpec, 'name'>) })
)

export type RawOptions = Record<string, string>

export class OptionsError extends Error {
  constructor(readonly problems: string[]) {
    super(
      problems.length === 1
        ? (problems[0] as string)
        : `${problems.length} inputs are invalid:\n  - ${problems.join('\n  - ')}`
    )
    this.name = 'OptionsError'
  }
}

export type { TenantAuth }

export interface TenantOptions {
  /** Base URL without trailing slash, e.g. https://acme.eu.qlikcloud.com */
  url: string
  host: string
  auth: TenantAuth
}

export interface Options {
  mode: Mode
  source?: TenantOptions
  target?: TenantOptions
  sourceProject: string
  sourceSpace: string
  targetSpace: string
  targetProject: string
  create: {
    projectType?: (typeof PROJECT_TYPES)[number]
    platformType?: (typeof PLATFORM_TYPES)[number]
    platformConnection: string
    cloudStagingConnection: string
    description?: string
  }
  bindings: string
  bindingsFile: string
  strictBindings: boolean
  exportMode: (typeof EXPORT_MODES)[number]
  includeBindings: boolean
  artifactName: string
  retentionDays?: number
  zipPath: string
  packageDir: string
  exportDir: string
  projectsFile: string
  /** projects-file: target project ids of upstream projects, by their key (project.<key>.projectId). */
  upstreamProjects?: Record<string, string>
  artifactRunId?: number
  githubToken: string
  prepare: boolean
  allowRecreate: boolean
  validate: boolean
  runTasks: 'none' | 'all' | string[]
  /** Resolved from 'quiesce' (auto: when run-tasks is set). */
  quiesce: boolean
  runHealthySeconds: number
  triggerTasks: string[]
  expectDataStores: string[]
  pollIntervalSeconds: number
  timeoutSeconds: number
  dryRun: boolean
  onFailure: 'restore' | 'keep'
  backup: boolean
  reportPath: string
}

const TRUE = ['true', 'True', 'TRUE', 'yes', 'on', '1']
const FALSE = ['false', 'False', 'FALSE', 'no', 'off', '0']

/**
 * Longest value each input takes, checked before any request: host names are at most 253
 * characters (RFC 1035), names and ids of projects, spaces and artifacts a few hundred.
 */
const MAX_LENGTH: Record<string, number> = {
  'source-tenant': 300,
  'target-tenant': 300,
  'source-project': 256,
  'source-space': 256,
  'target-space': 256,
  'target-project': 256,
  'artifact-name': 256,
  'project-description': 4096,
  'platform-connection': 512,
  'cloud-staging-connection': 512,
  bindings: 1_000_000
}
const SECRET_MAX_LENGTH = 16_384
const DEFAULT_MAX_LENGTH = 4096
/** Control characters (ANSI escapes included); `bindings` may span lines. */
// eslint-disable-next-line no-control-regex -- finding them is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/
// eslint-disable-next-line no-control-regex -- finding them is the point
const CONTROL_OR_NEWLINE = /[\u0000-\u001F\u007F-\u009F]/

/** Inputs that may span lines: bindings, lists (one item per line or comma-separated); PEM keys too. */
const MULTILINE = new Set(['bindings', 'run-tasks', 'trigger-tasks', 'expect-data-stores'])

/** A value echoed in a message: control characters escaped, cut to a readable length. */
export function show(value: string, max = 80): string {
  const cut = value.length > max ? value.slice(0, max) : value
  const escaped = JSON.stringify(cut).slice(1, -1)
  return `"${escaped}"${value.length > max ? `… (${value.length} characters)` : ''}`
}

/** Length and control characters of one raw input; undefined when it is fine. */
export function inputProblem(name: string, value: string, secret = false): string | undefined {
  const max = MAX_LENGTH[name] ?? (secret ? SECRET_MAX_LENGTH : DEFAULT_MAX_LENGTH)
  if (value.length > max)
    return `Input '${name}' is ${value.length} characters long; the most it takes is ${max}${secret ? '' : `: ${show(value, 40)}`}.`
  const rx = MULTILINE.has(name) || name.endsWith('-private-key') ? CONTROL : CONTROL_OR_NEWLINE
  const at = value.search(rx)
  if (at >= 0) {
    const code = `U+${(value.codePointAt(at) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`
    return `Input '${name}' contains a control character (${code} at position ${at + 1})${secret ? '' : `: ${show(value, 40)}`}; remove it${rx === CONTROL ? '' : ' (this input is one line)'}.`
  }
  return undefined
}

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase()
  if (h === 'localhost' || h.endsWith('.localhost')) return true
  if (isIP(h) === 4) return h.startsWith('127.')
  if (isIP(h) === 6) return h === '::1'
  return false
}

/** Parse a tenant given as URL or host name; https is required except on loopback addresses. */
export function parseTenantUrl(input: string, value: string): { url: string; host: string } {
  const text = value.trim()
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`
  let u: URL
  try {
    u = new URL(withScheme)
  } catch {
    throw new Error(
      `Input '${input}' is not a URL or host name: ${show(value)}. Example: https://acme.eu.qlikcloud.com`
    )
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') {
    throw new Error(`Input '${input}' must be an https:// URL, got ${show(value)}.`)
  }
  if (!u.hostname || /\s/.test(text)) {
    throw new Error(
      `Input '${input}' is not a URL or host name: ${show(value)}. Example: https://acme.eu.qlikcloud.com`
    )
  }
  if (u.hostname.length > 253 || u.hostname.split('.').some((label) => label.length > 63)) {
    throw new Error(
      `Input '${input}' has a host name of ${u.hostname.length} characters: host names are at most 253 characters, 63 per dot-separated part.`
    )
  }
  if (u.protocol === 'http:' && !isLoopback(u.hostname)) {
    throw new Error(
      `Input '${input}' uses http:// for ${u.hostname}; Qlik Cloud needs https:// (http is allowed only for localhost / 127.0.0.1, e.g. the simulator).`
    )
  }
  if (u.pathname !== '/' && u.pathname !== '') {
    throw new Error(
      `Input '${input}' must be the tenant's base URL without a path (got path "${u.pathname}"). Example: https://acme.eu.qlikcloud.com`
    )
  }
  if (u.username || u.password || u.search || u.hash) {
    throw new Error(`Input '${input}' must not carry credentials, a query or a fragment.`)
  }
  return { url: `${u.protocol}//${u.host}`, host: u.host }
}

/** Turn raw string options into typed ones; every problem names its input. */
export function parseOptions(raw: RawOptions): Options {
  const problems: string[] = []
  for (const spec of OPTION_SPECS) {
    const v = raw[spec.name]
    const problem = v === undefined ? undefined : inputProblem(spec.name, v.trim(), spec.secret)
    if (problem) {
      problems.push(problem)
    }
  }
  if (problems.length > 0) throw new OptionsError(problems)
  const given = Object.fromEntries(
    OPTION_SPECS.map((spec) => {
      const v = raw[spec.name]
      return [spec.name, (v === undefined || v.trim() === '' ? spec.default : v).trim()]
    })
  )
  // Field by field, so that every bad input is listed along with the missing ones below.
  const shape = optionsSchema.shape
  const v = {} as { -readonly [K in keyof typeof shape]?: z.output<(typeof shape)[K]> }
  for (const name of Object.keys(shape) as Array<keyof typeof shape>) {
    const r = shape[name].safeParse(given[name])
    if (r.success) (v as Record<string, unknown>)[name] = r.data
    else problems.push(...r.error.issues.map((i) => `Input '${name}' ${i.message}`))
  }
  const get = (name: keyof typeof shape): string => {
    const x = v[name]
    return typeof x === 'string' ? x : ''
  }
  const bool = (name: keyof typeof shape): boolean => v[name] === true

  const mode = v.mode ?? 'promote'
  const needSource = mode === 'promote' || mode === 'export'
  const needTarget = mode === 'promote' || mode === 'deploy'

  const tenant = (side: 'source' | 'target', needed: boolean): TenantOptions | undefined => {
    const url = get(`${side}-tenant`)
    const apiKey = get(`${side}-api-key`)
    const clientId = get(`${side}-client-id`)
    const clientSecret = get(`${side}-client-secret`)
    const privateKey = get(`${side}-private-key`)
    const keyId = get(`${side}-key-id`)
    if (!needed) return undefined
    if (url === '') {
      problems.push(
        `Input '${side}-tenant' is required for mode '${mode}' (the ${side} tenant URL).`
      )
      return undefined
    }
    let parsed: { url: string; host: string }
    try {
      parsed = parseTenantUrl(`${side}-tenant`, url)
    } catch (e) {
      problems.push((e as Error).message)
      return undefined
    }
    if (apiKey !== '' && (clientId !== '' || clientSecret !== '' || privateKey !== '')) {
      problems.push(
        `Inputs '${side}-api-key' and '${side}-client-id'/'${side}-client-secret' are both set: give one way to authenticate to the ${side} tenant.`
      )
      return undefined
    }
    if (apiKey !== '') return { ...parsed, auth: { kind: 'api-key', apiKey } }
    if (privateKey !== '') {
      if (clientSecret !== '') {
        problems.push(
          `Inputs '${side}-client-secret' and '${side}-private-key' are both set: an OAuth client authenticates with one of them.`
        )
        return undefined
      }
      const missing = [
        ...(clientId === '' ? [`'${side}-client-id' (the OAuth client the key belongs to)`] : []),
        ...(keyId === '' ? [`'${side}-key-id' (the kid Qlik requires in the JWT header)`] : [])
      ]
      if (missing.length > 0) {
        problems.push(`Input '${side}-private-key' needs ${missing.join(' and ')}.`)
        return undefined
      }
      try {
        signingKey(privateKey)
      } catch (e) {
        if (!(e instanceof SigningKeyError)) throw e
        problems.push(`Input '${side}-private-key' ${e.message}.`)
        return undefined
      }
      return { ...parsed, auth: { kind: 'oauth-jwt', clientId, privateKey, keyId } }
    }
    if (clientId !== '' && clientSecret !== '')
      return { ...parsed, auth: { kind: 'oauth', clientId, clientSecret } }
    if (clientId !== '' || clientSecret !== '') {
      problems.push(
        `Input '${side}-${clientId === '' ? 'client-id' : 'client-secret'}' is missing: OAuth needs both ${side}-client-id and ${side}-client-secret.`
      )
      return undefined
    }
    problems.push(
      `No credential for the ${side} tenant: set '${side}-api-key', or '${side}-client-id' with '${side}-client-secret' (or '${side}-private-key' and '${side}-key-id').`
    )
    return undefined
  }

  const source = tenant('source', needSource)
  const target = tenant('target', needTarget)
  const sourceProject = get('source-project')
  const projectsFile = get('projects-file')
  if (projectsFile !== '' && mode === 'validate')
    problems.push("Input 'projects-file' is for modes promote, export and deploy, not 'validate'.")
  if (
    projectsFile !== '' &&
    mode === 'deploy' &&
    (get('zip-path') !== '' || get('package-dir') !== '')
  )
    problems.push(
      "With 'projects-file', mode deploy takes the set's packages from 'artifact-name' (the artifact a mode export with the same projects-file made), not from 'zip-path' or 'package-dir'."
    )
  if (projectsFile !== '' && (sourceProject !== '' || get('target-project') !== ''))
    problems.push(
      "Inputs 'source-project' and 'target-project' name one project; with 'projects-file' each entry names its own."
    )
  if (needSource && sourceProject === '' && projectsFile === '')
    problems.push(
      `Input 'source-project' is required for mode '${mode}' (a project id or exact name).`
    )
  const targetSpace = get('target-space')
  if (needTarget && targetSpace === '')
    problems.push(
      `Input 'target-space' is required for mode '${mode}' (a space id or name in the target tenant).`
    )
  const zipPath = get('zip-path')
  const artifactRunIdNum = v['artifact-run-id']
  const githubToken = get('github-token')
  if (artifactRunIdNum !== undefined && githubToken === '') {
    problems.push(
      "Input 'github-token' is required with 'artifact-run-id' (to download another run's artifact)."
    )
  }
  const packageDir = get('package-dir')
  const exportDir = get('export-dir')
  const packageInputs = [
    ['zip-path', zipPath],
    ['package-dir', packageDir],
    ...(mode === 'deploy' ? [['artifact-name', get('artifact-name')]] : [])
  ].filter(([, value]) => value !== '')
  if (mode === 'deploy' && packageInputs.length === 0) {
    problems.push(
      "Mode 'deploy' needs the package: set 'zip-path' (a local ZIP), 'package-dir' (a project folder of the repository) or 'artifact-name' (an artifact of this run, or of 'artifact-run-id')."
    )
  }
  if (mode === 'validate' && packageInputs.length === 0) {
    problems.push(
      "Mode 'validate' needs what to check: set 'package-dir' (a project folder) or 'zip-path' (a package ZIP)."
    )
  }
  if (packageInputs.length > 1) {
    problems.push(
      `Inputs ${packageInputs.map(([n]) => `'${n}'`).join(' and ')} are all set: give the package one way.`
    )
  }
  if ((mode === 'promote' || mode === 'export') && (zipPath !== '' || packageDir !== '')) {
    problems.push(
      `Input '${zipPath !== '' ? 'zip-path' : 'package-dir'}' is for modes deploy and validate; mode '${mode}' exports the package from 'source-project'.`
    )
  }
  if (exportDir !== '' && mode !== 'promote' && mode !== 'export') {
    problems.push(
      `Input 'export-dir' is for modes export and promote (it writes the exported package).`
    )
  }
  if (exportDir !== '' && v['export-mode'] === 'LEGACY') {
    problems.push(
      "Input 'export-dir' needs a YAML package: set 'export-mode' to MINIMAL (recommended) or ALL, not LEGACY."
    )
  }
  const runTasksRaw = get('run-tasks')
  const runTasks: Options['runTasks'] =
    runTasksRaw === '' || runTasksRaw.toLowerCase() === 'none'
      ? 'none'
      : runTasksRaw.toLowerCase() === 'all'
        ? 'all'
        : runTasksRaw
            .split(/[,\n]/)
            .map((s) => s.trim())
            .filter(Boolean)
  const list = (name: 'trigger-tasks' | 'expect-data-stores'): string[] =>
    get(name)
      .split(/[,\n]/)
      .map((x) => x.trim())
      .filter(Boolean)
  const triggerTasks = list('trigger-tasks')
  const expectDataStores = list('expect-data-stores')
  const afterDeploy = runTasks !== 'none' || triggerTasks.length > 0 || expectDataStores.length > 0
  if (afterDeploy && !needTarget) {
    problems.push(
      `Inputs 'run-tasks', 'trigger-tasks' and 'expect-data-stores' act on the target: they are for modes promote and deploy, not '${mode}'.`
    )
  }
  if (runTasks !== 'none' && v.validate === false) {
    problems.push(
      "Input 'run-tasks' needs 'validate: true': tasks run only after the target project validated."
    )
  }
  const quiesce = v.quiesce === 'true' || (v.quiesce !== 'false' && runTasks !== 'none')
  const description = raw['project-description']?.trim()
  const projectType = v['project-type']
  const platformType = v['platform-type']
  const retentionDays = v['retention-days']
  const options: Options = {
    mode,
    ...(source ? { source } : {}),
    ...(target ? { target } : {}),
    sourceProject,
    sourceSpace: get('source-space'),
    targetSpace,
    targetProject: get('target-project'),
    create: {
      ...(projectType ? { projectType } : {}),
      ...(platformType ? { platformType } : {}),
      platformConnection: get('platform-connection'),
      cloudStagingConnection: get('cloud-staging-connection'),
      ...(description ? { description } : {})
    },
    bindings: raw.bindings ?? '',
    bindingsFile: get('bindings-file'),
    strictBindings: bool('strict-bindings'),
    exportMode: v['export-mode'] ?? 'MINIMAL',
    includeBindings: bool('include-bindings'),
    artifactName: get('artifact-name'),
    ...(retentionDays !== undefined ? { retentionDays } : {}),
    zipPath,
    packageDir,
    exportDir,
    projectsFile,
    ...(artifactRunIdNum !== undefined ? { artifactRunId: artifactRunIdNum } : {}),
    githubToken,
    prepare: bool('prepare'),
    allowRecreate: bool('allow-recreate'),
    validate: bool('validate'),
    runTasks,
    quiesce,
    runHealthySeconds: v['run-healthy-seconds'] ?? 30,
    triggerTasks,
    expectDataStores,
    pollIntervalSeconds: v['poll-interval'] ?? 2,
    timeoutSeconds: v.timeout ?? 1800,
    dryRun: bool('dry-run'),
    onFailure: v['on-failure'] ?? 'restore',
    backup: bool('backup'),
    reportPath: get('report-path')
  }
  if (problems.length > 0) throw new OptionsError(problems)
  return options
}
