import { OPTION_SPECS } from './options.js'
import { OUTPUT_SPECS } from './outputs.js'

/**
 * The README's inputs and outputs tables, generated from the options and outputs (a test checks
 * them): inputs grouped by purpose, each with the modes that require it.
 */

export const TABLE_START = '<!-- generated:inputs-outputs (npm run generate) -->'
export const TABLE_END = '<!-- end:inputs-outputs -->'

/** The README's groups of inputs, in order; every input is in exactly one (a test checks it). */
/** Each group of inputs: its title (README), its key (`--help KEY`), a note, its inputs. */
export const INPUT_GROUPS: ReadonlyArray<{
  title: string
  key: string
  note?: string
  inputs: string[]
}> = [
  { title: 'What to do', key: 'mode', inputs: ['mode', 'dry-run', 'plan-file'] },
  {
    title: 'Source tenant (promote, export)',
    key: 'source',
    note: 'One way to authenticate: `source-api-key`, or `source-client-id` with `source-client-secret`, or `source-client-id` with `source-private-key` and `source-key-id`.',
    inputs: [
      'source-tenant',
      'source-api-key',
      'source-client-id',
      'source-client-secret',
      'source-private-key',
      'source-key-id',
      'source-project',
      'source-space'
    ]
  },
  {
    title: 'Target tenant (promote, deploy, drift)',
    key: 'target',
    note: 'One way to authenticate, as for the source. Plans and drift checks need only a read-only credential.',
    inputs: [
      'target-tenant',
      'target-api-key',
      'target-client-id',
      'target-client-secret',
      'target-private-key',
      'target-key-id',
      'target-space',
      'target-project'
    ]
  },
  {
    title: 'A target project created by the run',
    key: 'new-project',
    inputs: [
      'project-type',
      'platform-type',
      'platform-connection',
      'cloud-staging-connection',
      'project-description'
    ]
  },
  { title: 'Bindings', key: 'bindings', inputs: ['bindings-file', 'bindings', 'strict-bindings'] },
  {
    title: 'The package',
    key: 'package',
    note: 'Deploy and drift take one of `zip-path`, `package-dir` or `artifact-name`.',
    inputs: [
      'export-mode',
      'include-bindings',
      'artifact-name',
      'artifact-run-id',
      'retention-days',
      'zip-path',
      'package-dir',
      'export-dir',
      'strict-schemas'
    ]
  },
  {
    title: 'How the deploy runs',
    key: 'deploy',
    inputs: [
      'prepare',
      'allow-recreate',
      'validate',
      'skip-unchanged',
      'backup',
      'on-failure',
      'poll-interval',
      'timeout'
    ]
  },
  {
    title: 'After the deploy',
    key: 'after',
    inputs: ['run-tasks', 'quiesce', 'run-healthy-seconds', 'trigger-tasks', 'expect-data-stores']
  },
  {
    title: 'Several projects',
    key: 'sets',
    inputs: ['projects-file', 'max-parallel', 'only', 'with-upstream']
  },
  {
    title: 'GitHub and the report',
    key: 'report',
    inputs: ['github-token', 'drift-issue', 'report-path', 'upload-report']
  }
]

/** The modes that need an input (without projects-file); a test holds parseOptions to it. */
export const REQUIRED_FOR: Readonly<Record<string, string>> = {
  'source-tenant': 'promote, export',
  'source-project': 'promote, export (not with projects-file)',
  'target-tenant': 'promote, deploy, drift',
  'target-space': 'promote, deploy, drift',
  'zip-path': 'deploy, drift, validate: one of the package inputs',
  'package-dir': 'deploy, drift, validate: one of the package inputs',
  'artifact-name': 'deploy, drift: one of the package inputs',
  'github-token': 'artifact-run-id, drift-issue'
}

const cell = (s: string): string => s.replace(/\|/g, '\\|')

export function inputsOutputsTables(): string {
  const spec = new Map(OPTION_SPECS.map((s) => [s.name, s]))
  const rows: string[] = []
  for (const g of INPUT_GROUPS) {
    rows.push(`**${g.title}**${g.note ? ` ${g.note}` : ''}`, '')
    rows.push('| Input | Required for | Default | Description |', '| --- | --- | --- | --- |')
    for (const name of g.inputs) {
      const s = spec.get(name)
      if (!s) throw new Error(`docs: INPUT_GROUPS names '${name}', which is not an input`)
      rows.push(
        `| \`${s.name}\` | ${REQUIRED_FOR[s.name] ?? ''} | ${s.default ? `\`${s.default}\`` : ''} | ${cell(s.description)}${s.secret ? ' **Secret.**' : ''} |`
      )
    }
    rows.push('')
  }
  return [
    ...rows,
    '| Output | Description |',
    '| --- | --- |',
    ...OUTPUT_SPECS.map((o) => `| \`${o.name}\` | ${cell(o.description)} |`)
  ].join('\n')
}

/** The README with its tables replaced by freshly generated ones. */
export function withTables(readme: string): string {
  const a = readme.indexOf(TABLE_START)
  const b = readme.indexOf(TABLE_END)
  if (a < 0 || b < a) throw new Error(`README.md has no ${TABLE_START} ... ${TABLE_END} block`)
  return `${readme.slice(0, a + TABLE_START.length)}\n\n${inputsOutputsTables()}\n\n${readme.slice(b)}`
}
