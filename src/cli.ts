import { join } from 'node:path'
import { didYouMean } from './util/similar.js'
import { VERSION } from './version.js'
import { MODES, OPTION_SPECS, OptionsError, parseOptions, type RawOptions } from './options.js'
import { INPUT_GROUPS } from './docs.js'
import { outputsOf, projectsOutput, type ProjectOutput } from './outputs.js'
import { realClock } from './pipeline/ports.js'
import { runDurationMs } from './model/report.js'
import { cliWordOf, outcomeOf, rowOf } from './model/outcome.js'
import { ConsoleReporter, liveLine, paint, useColour } from './report/console-reporter.js'
import { terminalLines } from './text/escape.js'
import { localDir, reportPathProblem, runPipeline } from './setup.js'
import { Cancellation, installSignals } from './pipeline/cancel.js'

/**
 * The command-line adapter: the same options as the action, as --flags or QLIK_* environment
 * variables (flags win). Exit codes: 0 success, 1 failure, 2 bad input.
 */

/**
 * The engine names the action's inputs ("Input 'target-space': ..."); the command line speaks of
 * its flags and variables ("--target-space (QLIK_TARGET_SPACE): ...").
 */
export function cliWords(message: string): string {
  const known = new Set(OPTION_SPECS.map((s) => s.name))
  return message.replace(/\b[Ii]nput '([a-z0-9-]+)'/g, (m, name: string) =>
    known.has(name) ? `--${name} (${envName(name)})` : m
  )
}

export const envName = (option: string): string => `QLIK_${option.toUpperCase().replace(/-/g, '_')}`
const BOOLEAN = new Set(
  OPTION_SPECS.filter((s) => s.default === 'true' || s.default === 'false').map((s) => s.name)
)

/** --help, --help-all and --help GROUP are wrapped at this width. */
const WRAP = 100

/** Words laid out from column `indent`, lines at most `width` long (a longer word stays whole). */
export function wrap(text: string, indent: number, width = WRAP): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && indent + line.length + 1 + word.length > width) {
      lines.push(line)
      line = word
    } else line = line ? `${line} ${word}` : word
  }
  if (line) lines.push(line)
  return lines.map((l, i) => (i === 0 ? l : `${' '.repeat(indent)}${l}`))
}

/** What --help shows of a description: its first sentence, cut short at a clause when long. */
function short(d: string): string {
  const first = /^(.*?(?<!\be\.g|\bi\.e)\.)(?=\s+[A-Z(`'"]|$)/.exec(d)?.[1] ?? d
  if (first.length <= 150) return first
  const cut = Math.max(first.lastIndexOf('; ', 150), first.lastIndexOf(', ', 150))
  return cut > 40 ? `${first.slice(0, cut)} ...` : first
}

/**
 * The help: grouped like the README's inputs. `topic` undefined: each option in one line or two;
 * 'all': every option in full with its environment variable; a group's key: that group in full.
 */
export function helpText(topic?: string): string {
  const spec = new Map(OPTION_SPECS.map((s) => [s.name, s]))
  const width = Math.max(...OPTION_SPECS.map((s) => s.name.length)) + 6
  const full = topic !== undefined
  const groups =
    topic === undefined || topic === 'all'
      ? INPUT_GROUPS
      : INPUT_GROUPS.filter((g) => g.key === topic.toLowerCase())
  // a flag and its text, wrapped in the text's column
  const entry = (flag: string, text: string): string[] => {
    const lines = wrap(text, width)
    lines[0] = `  ${flag.padEnd(width - 2)}${lines[0] ?? ''}`
    return lines
  }
  const option = (name: string): string[] => {
    const s = spec.get(name)
    if (!s) return []
    const def = s.default !== '' ? ` (default: ${s.default})` : ''
    const text = `${full ? s.description : short(s.description)}${def}`
    const lines = entry(`--${s.name}`, text)
    if (full)
      lines.push(
        `${' '.repeat(width)}env: ${envName(s.name)}${s.secret ? ' (secret: prefer the variable to the flag)' : ''}`
      )
    return lines
  }
  const body = groups.flatMap((g) => [
    '',
    `${g.title}${full ? '' : ` · --help ${g.key}`}:`,
    ...(full && g.note
      ? wrap(g.note.replace(/`/g, ''), 2).map((l, i) => (i === 0 ? `  ${l}` : l))
      : []),
    ...g.inputs.flatMap(option)
  ])
  const keys = INPUT_GROUPS.map((g) => g.key).join(', ')
  if (topic !== undefined && topic !== 'all' && groups.length === 0)
    return `No help group '${topic}': give one of ${keys}, or --help-all.`
  return [
    `Usage: qlik-di-promote [${MODES.join('|')}] [options]`,
    '',
    'Promote a Qlik Talend Cloud data integration project from a source tenant to a target tenant.',
    'Check a project folder offline (no tenant): qlik-di-promote validate --package-dir DIR',
    'Compare a target with git, reads only: qlik-di-promote drift --package-dir DIR --target-tenant ...',
    'Try it without a tenant: qlik-di-promote simulator (prints the commands to paste)',
    'Every option is also an environment variable, QLIK_ and its name (--source-tenant:',
    'QLIK_SOURCE_TENANT); flags win. Boolean options take --name, --name=false or --no-name.',
    ...body,
    '',
    'Other:',
    ...entry('--verbose', 'Show debug lines (request log).'),
    ...entry('--help', `This help; --help GROUP for one group in full (${keys}).`),
    ...entry('--help-all', 'Every option in full, with its environment variable.'),
    ...entry('--version', 'Print the version.'),
    '',
    ...wrap(
      'Exit codes: 0 success (validate: valid; drift: no drift), 1 the promotion failed (validate: invalid; drift: the target differs), 2 bad input (found before any request to a tenant), 130 cancelled (Ctrl-C, SIGTERM).',
      0
    )
  ].join('\n')
}

// eslint-disable-next-line max-lines-per-function -- issue 33: to be split (known when the rule came in)
export function parseArgv(
  argv: string[],
  env: NodeJS.ProcessEnv
): {
  raw: RawOptions
  help: boolean
  helpTopic?: string
  verbose: boolean
  version: boolean
} {
  const raw: RawOptions = {}
  for (const s of OPTION_SPECS) {
    const v = env[envName(s.name)]
    if (v !== undefined) raw[s.name] = v
  }
  let help = false
  let helpTopic: string | undefined
  let verbose = false
  let version = false
  // `qlik-di-promote validate --package-dir DIR`: a leading command is the mode
  const first = argv[0]
  if (first !== undefined && !first.startsWith('-')) {
    if (!(MODES as readonly string[]).includes(first))
      throw new OptionsError([
        `Unknown command "${first}"${didYouMean(first, MODES)}: use one of ${MODES.join(', ')} (or --mode).`
      ])
    raw.mode = first
    argv = argv.slice(1)
    if (argv.some((a) => a === '--mode' || a.startsWith('--mode=')))
      throw new OptionsError([`Give the mode once: as the command "${first}" or as --mode.`])
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (arg === '--help' || arg === '-h') {
      help = true
      // --help GROUP: one group of options in full
      const next = argv[i + 1]
      if (next !== undefined && !next.startsWith('-')) {
        helpTopic = next
        i += 1
      }
      continue
    }
    if (arg === '--help-all') {
      help = true
      helpTopic = 'all'
      continue
    }
    if (arg === '--version' || arg === '-V') {
      version = true
      continue
    }
    if (arg === '--verbose') {
      verbose = true
      continue
    }
    const m = /^--(no-)?([a-z0-9-]+)(?:=(.*))?$/s.exec(arg)
    if (!m)
      throw new OptionsError([`Unexpected argument "${arg}". Options look like --name value.`])
    const [, no, name, inline] = m as unknown as [
      string,
      string | undefined,
      string,
      string | undefined
    ]
    if (!OPTION_SPECS.some((s) => s.name === name))
      throw new OptionsError([
        `Unknown option --${name}${didYouMean(
          name,
          OPTION_SPECS.map((o) => o.name),
          (n) => `--${n}`
        )}.`
      ])
    if (no) {
      if (!BOOLEAN.has(name))
        throw new OptionsError([`--no-${name}: ${name} is not a true/false option.`])
      raw[name] = 'false'
    } else if (inline !== undefined) raw[name] = inline
    else if (
      BOOLEAN.has(name) &&
      (argv[i + 1] === undefined || (argv[i + 1] as string).startsWith('--'))
    )
      raw[name] = 'true'
    else {
      const next = argv[i + 1]
      if (next === undefined) throw new OptionsError([`Option --${name} needs a value.`])
      raw[name] = next
      i += 1
    }
  }
  return { raw, help, ...(helpTopic !== undefined ? { helpTopic } : {}), verbose, version }
}

// eslint-disable-next-line max-lines-per-function -- issue 33: to be split (known when the rule came in)
export async function main(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  out: (s: string) => void = (s) => process.stdout.write(s)
): Promise<number> {
  let parsed
  let options
  try {
    parsed = parseArgv(argv, env)
    if (parsed.help) {
      const text = helpText(parsed.helpTopic)
      out(`${text}\n`)
      return text.startsWith('No help group') ? 2 : 0
    }
    if (parsed.version) {
      out(`${VERSION}\n`)
      return 0
    }
    options = parseOptions(parsed.raw)
  } catch (e) {
    if (e instanceof OptionsError) {
      process.stderr.write(terminalLines(`qlik-di-promote: ${cliWords(e.message)}\nSee --help.\n`))
      return 2
    }
    throw e
  }
  // validate checks files offline: it writes a report only when asked (--report-path)
  const reportPath =
    options.reportPath ||
    (options.mode === 'validate'
      ? undefined
      : join(env.QLIK_ARTIFACT_DIR || localDir(env), 'report.json'))
  const reportProblem = reportPath ? reportPathProblem(reportPath) : undefined
  if (reportProblem) {
    process.stderr.write(
      terminalLines(
        `qlik-di-promote: ${reportProblem.replace("Input 'report-path'", '--report-path')}\n`
      )
    )
    return 2
  }
  const cancel = new Cancellation()
  const uninstall = installSignals(cancel, (m) => process.stderr.write(`\nqlik-di-promote: ${m}\n`))
  const report = await runPipeline(
    {
      options,
      cancel,
      reporter: new ConsoleReporter(
        parsed.verbose,
        (s) => process.stderr.write(s),
        useColour(process.stderr, env),
        liveLine(process.stderr, env)
      ),
      clock: realClock,
      env,
      onSecret: () => {}
    },
    reportPath
  ).finally(uninstall)
  const outputs = outputsOf(report, reportPath ?? '')
  const outcome = outcomeOf(report)
  const row = rowOf(outcome)
  const verdict = cliWordOf(outcome)
  // what the run found carries data (names, Qlik's words): terminalLines keeps it from the terminal
  const say = (s: string): void => out(terminalLines(s))
  // the last word: the outcome and how long the run took
  const took = runDurationMs(report)
  const last = `${verdict}${took !== undefined ? ` in ${(took / 1000).toFixed(1)} s` : ''}`
  // the verdict in colour on a terminal (ours: it holds no data)
  const tinted = useColour(process.stdout, env)
    ? (row.exit === 0 ? paint.green : paint.red)(paint.bold(last))
    : last
  out(`\n${tinted}\n`)
  if (report.error) say(`${cliWords(report.error)}\n`)
  else if (outcome.kind === 'drifted' && report.drift)
    say(`${report.drift.differences.map((d) => `  ${d}`).join('\n')}\n`)
  else if (report.ledger.account.length) say(`${report.ledger.account.join('\n')}\n`)
  for (const [k, v] of Object.entries(outputs))
    if (v !== '' && k !== 'projects' && (options.mode !== 'validate' || k === 'report-path'))
      say(`  ${k}: ${v}\n`)
  // a set: a line per project instead of one project's outputs
  if (report.projects) {
    const ps = projectsOutput(report)
    say(`  projects (${setTally(ps)}):\n`)
    for (const p of ps)
      say(
        `    ${p.name}: ${p.outcome}${p['target-project-id'] ? ` (${p['target-project-id']}${p['project-created'] ? ', created' : ''})` : ''}${p.outcome !== 'succeeded' && p.outcome !== 'unchanged' && p.error ? `: ${p.error}` : ''}\n`
      )
  }
  // a plan that can be applied: how to apply exactly it
  if (outcome.kind === 'planned' && outputs['plan-file'])
    say(
      `\nTo apply exactly this plan: the same command without --dry-run, with --plan-file ${outputs['plan-file']} (refused if the target, the package or the bindings change first).\n`
    )
  // 130 cancelled (as a shell reports an interrupted command), 2 bad input, 1 failed or drifted
  return row.exit
}

/** "2 succeeded, 1 not-started" */
function setTally(ps: ProjectOutput[]): string {
  const n = new Map<string, number>()
  for (const p of ps) n.set(p.outcome, (n.get(p.outcome) ?? 0) + 1)
  return [...n].map(([k, v]) => `${v} ${k}`).join(', ')
}
