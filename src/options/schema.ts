import { z } from 'zod'
import { EXPORT_MODES, PLATFORM_TYPES, PROJECT_TYPES } from '../qlik/vocabulary.js'
import {
  choice,
  flag,
  list,
  number,
  optionalNumber,
  taskSelection,
  text,
  word,
  type FieldMeta
} from './fields.js'

/**
 * Every option of the action and the CLI, defined once: its text-to-value parser (which gives the
 * `Options` field its type), its default, description, and limits. The action reads them as inputs
 * (INPUT_<NAME>), the CLI as --flags or QLIK_<NAME> environment variables; action.yml, the CLI's
 * --help and the README's table are generated from it.
 */

export type Mode = 'promote' | 'export' | 'deploy' | 'validate' | 'drift'
export const MODES: readonly Mode[] = ['promote', 'export', 'deploy', 'validate', 'drift']

/** A field with what it says of itself (typed, unlike zod's own `.meta()`). */
const field = <T extends z.ZodType>(schema: T, meta: FieldMeta): T => schema.meta({ ...meta })
type More = Omit<FieldMeta, 'default' | 'description'>
/** A text input, empty by default. */
const textInput = (description: string, more: More = {}) =>
  field(text(), { default: '', description, ...more })
/** A true/false input. */
const flagInput = (def: 'true' | 'false', description: string, more: More = {}) =>
  field(flag(), { default: def, description, ...more })

export const optionsSchema = z.strictObject({
  mode: field(word(MODES, false), {
    default: 'promote',
    description:
      'promote (export and deploy in one job), export (source to artifact), deploy (artifact, ZIP or package-dir to target), validate (check package-dir or zip-path offline, no tenant) or drift (reads only: does the target project still equal the package and the bindings? exit 1 when it does not).'
  }),
  'source-tenant': textInput(
    'Source tenant URL or host name, e.g. https://acme-dev.eu.qlikcloud.com.',
    { maxLength: 300 }
  ),
  'source-api-key': textInput(
    'API key for the source tenant (or use source-client-id and source-client-secret).',
    { secret: true }
  ),
  'source-client-id': textInput('OAuth machine-to-machine client id for the source tenant.'),
  'source-client-secret': textInput(
    'OAuth machine-to-machine client secret for the source tenant.',
    { secret: true }
  ),
  'source-private-key': textInput(
    'OAuth private key JWT for the source tenant: the PEM private key (RSA >= 2048 bits or EC P-384) of source-client-id, instead of a client secret.',
    { multiline: true, secret: true }
  ),
  'source-key-id': textInput(
    'The key id (kid) of source-private-key, as registered with the OAuth client.'
  ),
  'source-project': textInput('Source project id or exact name.', { maxLength: 256 }),
  'source-space': textInput(
    'Space id or name that holds the source project (narrows the name lookup).',
    { maxLength: 256 }
  ),
  'target-tenant': textInput(
    'Target tenant URL or host name, e.g. https://acme-prod.eu.qlikcloud.com.',
    { maxLength: 300 }
  ),
  'target-api-key': textInput(
    'API key for the target tenant (or use target-client-id and target-client-secret).',
    { secret: true }
  ),
  'target-client-id': textInput('OAuth machine-to-machine client id for the target tenant.'),
  'target-client-secret': textInput(
    'OAuth machine-to-machine client secret for the target tenant.',
    { secret: true }
  ),
  'target-private-key': textInput(
    'OAuth private key JWT for the target tenant: the PEM private key (RSA >= 2048 bits or EC P-384) of target-client-id, instead of a client secret.',
    { multiline: true, secret: true }
  ),
  'target-key-id': textInput(
    'The key id (kid) of target-private-key, as registered with the OAuth client.'
  ),
  'target-space': textInput(
    'Space id or name in the target tenant where the project lives (or is created).',
    { maxLength: 256 }
  ),
  'target-project': textInput("Target project name or id (default: the source project's name).", {
    maxLength: 256
  }),
  'project-type': field(choice(PROJECT_TYPES, true), {
    default: '',
    description:
      'DATA_PIPELINE or DATA_MOVEMENT; used only when the target project is created (default: as the source).'
  }),
  'platform-type': field(choice(PLATFORM_TYPES, true), {
    default: '',
    description: 'Platform of a created target project, e.g. SNOWFLAKE (default: as the source).'
  }),
  'platform-connection': textInput(
    'Platform connection of a created target project (id or SPACE.NAME).',
    { maxLength: 512 }
  ),
  'cloud-staging-connection': textInput(
    'Cloud staging connection of a created target project (id or SPACE.NAME).',
    { maxLength: 512 }
  ),
  'project-description': textInput(
    'Description of a created target project (default: as the source).',
    { maxLength: 4096 }
  ),
  'bindings-file': textInput(
    "Path of this environment's bindings file (.yaml/.yml/.json), e.g. qlik/bindings/prod.yaml; 'bindings' is laid over it."
  ),
  bindings: textInput(
    'Inline target bindings (a YAML/JSON mapping of variable names to values), laid over bindings-file. ${ENV_VAR} in values is expanded from the environment. (A path to a file still works, as in older workflows; use bindings-file for files.)',
    { maxLength: 1_000_000, multiline: true, untrimmed: true }
  ),
  'strict-bindings': flagInput(
    'true',
    'Fail before import when a variable the package declares has no value for the target.'
  ),
  'export-mode': field(word(EXPORT_MODES, true), {
    default: 'MINIMAL',
    description: 'MINIMAL, ALL or LEGACY (deprecated JSON format).'
  }),
  'include-bindings': flagInput(
    'false',
    "Include the source's bindings.json in the exported package."
  ),
  'artifact-name': textInput(
    'Name of the workflow artifact holding the package (default: derived from project and ref).',
    { maxLength: 256 }
  ),
  'retention-days': field(optionalNumber({ min: 1, max: 90, integer: true }), {
    default: '',
    description: 'Days to keep the artifact (default: the repository setting).'
  }),
  'zip-path': textInput('deploy: a local package ZIP to deploy instead of an artifact.'),
  'package-dir': textInput(
    "deploy / validate: a folder of the repository holding a project in Qlik's layout (qtcp_project.yaml, qtcp_tasks/...), deployed as a package."
  ),
  'projects-file': textInput(
    'A YAML file listing several projects (source, target, bindings, dependsOn), promoted in dependency order (promote), exported as one artifact (export) or deployed from it (deploy); see schemas/projects.schema.json.'
  ),
  'max-parallel': field(number({ min: 1, max: 32, integer: true }), {
    default: '4',
    description:
      'projects-file: how many projects run at once. Independent projects run side by side; a project starts once every project it depends on has succeeded; 1 runs them one after another. All share one request budget per tenant.'
  }),
  only: field(list(), {
    default: '',
    description:
      'projects-file: run just these entries (comma-separated names); their upstream projects must already be in the target unless with-upstream is true.',
    multiline: true
  }),
  'with-upstream': flagInput(
    'false',
    "projects-file with 'only': also run every project the named ones depend on (transitively), upstream first."
  ),
  'plan-file': textInput(
    "deploy / promote: the qlik-di-promote-plan.json of a reviewed dry run (its output plan-file). Before its first write the run checks that the package, the bindings it would send, the target (tasks, settings, files, bindings, running tasks) and its steps are still the plan's, and refuses naming each difference when not. With projects-file: the set's plan file; a project without a plan in it is refused."
  ),
  'skip-unchanged': flagInput(
    'false',
    'deploy / promote: when the target project already equals the package (no task, setting, file or declared variable differs) and the bindings would not change, make no change and report the project as unchanged. Read and compared before any write.'
  ),
  'drift-issue': flagInput(
    'false',
    'mode drift with github-token (issues: write): keep one GitHub issue per target project while it drifts from the package: opened when drift is found, updated in place on each run, closed when the drift is gone.'
  ),
  'strict-schemas': flagInput(
    'false',
    "validate / package-dir: treat what Qlik's published JSON Schemas say (unknown keys, enum values they do not list, keys they require) as errors instead of warnings. The schemas lag behind Qlik's exporter: real exports carry keys they do not list."
  ),
  'export-dir': textInput(
    'export / promote: also write the exported package into this folder (normalised for git, no bindings.json), to commit it.'
  ),
  'artifact-run-id': field(
    optionalNumber({ min: 1, max: Number.MAX_SAFE_INTEGER, integer: true }),
    {
      default: '',
      description: 'deploy: the workflow run id whose artifact to deploy (needs github-token).'
    }
  ),
  'github-token': textInput(
    "Token to download an artifact of another workflow run (actions: read) and, on a pull request, to post the dry run's release plan as one comment updated in place (pull-requests: write).",
    { secret: true }
  ),
  prepare: flagInput('true', 'Prepare the target project after import.'),
  'allow-recreate': flagInput(
    'false',
    'Let prepare drop and recreate datasets when the design requires it.'
  ),
  validate: flagInput('true', 'Validate the target project after prepare.'),
  'run-tasks': field(taskSelection(), {
    default: '',
    description:
      'After validation, run data tasks and wait for them: empty (none), all (landing, then storage, then transform and marts), or a comma-separated list of task ids or names (in that order).',
    multiline: true
  }),
  quiesce: field(word(['auto', 'true', 'false'] as const, false), {
    default: 'auto',
    description:
      'Stop the data tasks running on an existing target before the import and start exactly those again afterwards, whatever the outcome. auto: when run-tasks is set.'
  }),
  'run-healthy-seconds': field(number({ min: 0, max: 3600, integer: true }), {
    default: '30',
    description:
      'A continuous (CDC) task counts as healthy when it is RUNNING and stays so this long.'
  }),
  'trigger-tasks': field(list(), {
    default: '',
    description:
      'After the data tasks: Tasks API tasks (e.g. app reloads) to start and wait for, a comma-separated list of ids or names.',
    multiline: true
  }),
  'expect-data-stores': field(list(), {
    default: '',
    description:
      "At the end: data store names that must exist in the target's data stores catalog (comma-separated).",
    multiline: true
  }),
  'poll-interval': field(number({ min: 0.01, max: 600 }), {
    default: '2',
    description:
      "Seconds before the first status check of an asynchronous action; later checks follow what its task counts predict on this runner's clock (Qlik sends no task times): sparse far from the end, dense near it, at most 2 a second and at least every 10 s."
  }),
  timeout: field(number({ min: 1, max: 86400 }), {
    default: '1800',
    description: 'Seconds to wait for each asynchronous action (import, prepare, validate).'
  }),
  'dry-run': flagInput(
    'false',
    'Read only: report what would change on the target and change nothing.'
  ),
  'on-failure': field(word(['restore', 'keep'] as const, false), {
    default: 'restore',
    description:
      "restore: when the import does not complete, put the existing target's previous bindings back so it ends as it was; keep: leave the new bindings for debugging."
  }),
  backup: flagInput(
    'true',
    'Export the existing target project before importing over it, and keep it as an artifact.'
  ),
  'upload-report': flagInput(
    'true',
    "In a GitHub runner: upload the JSON report (and a dry run's plan files) as a small workflow artifact (output report-artifact-name), so that it outlives the job; RUNNER_TEMP is deleted with it. It holds no secret."
  ),
  'report-path': textInput(
    'Where to write the JSON report of the run. Default: the action writes qlik-di-promote-report.json in the runner temp directory; the command line writes .qlik-di-promote/report.json in the working directory (or report.json in QLIK_ARTIFACT_DIR), and nothing for validate.'
  )
})

export type OptionName = keyof typeof optionsSchema.shape

export interface OptionSpec extends FieldMeta {
  name: string
}

/** The options as a list, in the schema's order (action.yml, --help and the README come from it). */
export const OPTION_SPECS: readonly OptionSpec[] = Object.entries(optionsSchema.shape).map(
  ([name, f]) => ({ ...(f.meta() as unknown as FieldMeta), name })
)

/** Option names whose field in `Options` is not their camelCase (a unit in the name). */
export const RENAMED = {
  'poll-interval': 'pollIntervalSeconds',
  timeout: 'timeoutSeconds'
} as const

type Camel<S extends string> = S extends `${infer H}-${infer T}` ? `${H}${Capitalize<Camel<T>>}` : S
type KeyOf<K extends string> = K extends keyof typeof RENAMED ? (typeof RENAMED)[K] : Camel<K>

export const keyOf = (name: string): string =>
  (RENAMED as Record<string, string>)[name] ??
  name.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase())

/** Every option's typed value, under its camelCase name: what the schema's parsers give. */
export type InputValues = {
  [K in OptionName as KeyOf<K>]: z.output<(typeof optionsSchema.shape)[K]>
}
