import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { E2E_NODE, ROOT } from './bundle.js'

/** Run dist/index.js the way the runner does: INPUT_* variables, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY. */
export interface ActionRun {
  code: number | null
  stdout: string
  stderr: string
  outputs: Record<string, string>
  summary: string
  /** What the step saved with core.saveState (GITHUB_STATE): the post step gets it as STATE_*. */
  state: Record<string, string>
  dir: string
}

/** Parse the GITHUB_OUTPUT file (name<<DELIMITER ... DELIMITER blocks). */
export function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i] as string)
    if (m) {
      const [, name, delim] = m as unknown as [string, string, string]
      const value: string[] = []
      for (i++; i < lines.length && lines[i] !== delim; i++) value.push(lines[i] as string)
      out[name] = value.join('\n')
    } else if ((lines[i] as string).includes('=')) {
      const [name, ...rest] = (lines[i] as string).split('=')
      out[name as string] = rest.join('=')
    }
  }
  return out
}

export async function runAction(
  inputs: Record<string, string>,
  env: Record<string, string> = {},
  /** Sees the stdout so far after each chunk (to signal the process as the runner would). */
  watch?: (stdout: string, child: ChildProcess) => void
): Promise<ActionRun> {
  const dir = mkdtempSync(join(tmpdir(), 'qdp-action-'))
  const outputFile = join(dir, 'output')
  const summaryFile = join(dir, 'summary.md')
  const stateFile = join(dir, 'state')
  writeFileSync(outputFile, '')
  writeFileSync(summaryFile, '')
  writeFileSync(stateFile, '')
  const childEnv: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? dir,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_STATE: stateFile,
    GITHUB_REF: 'refs/tags/v1.2.3',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    GITHUB_RUN_ID: '4242',
    GITHUB_REPOSITORY: 'acme/data-platform',
    RUNNER_TEMP: dir,
    QLIK_ARTIFACT_DIR: join(dir, 'artifacts'),
    ...env
  }
  for (const [k, v] of Object.entries(inputs)) childEnv[`INPUT_${k.toUpperCase()}`] = v
  const child = spawn(E2E_NODE, [join(ROOT, 'dist/index.js')], {
    cwd: dir,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString()
    watch?.(stdout, child)
  })
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  return {
    code,
    stdout,
    stderr,
    outputs: parseOutputFile(readFileSync(outputFile, 'utf8')),
    summary: readFileSync(summaryFile, 'utf8'),
    state: parseOutputFile(readFileSync(stateFile, 'utf8')),
    dir
  }
}

/**
 * Run the post step (dist/post/index.js) after `main` as the runner does: the state the main step
 * saved as STATE_* variables, a fresh job summary file of its own.
 */
export async function runPost(main: ActionRun): Promise<{
  code: number | null
  stdout: string
  stderr: string
  summary: string
}> {
  const summaryFile = join(main.dir, 'post-summary.md')
  writeFileSync(summaryFile, '')
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    GITHUB_STEP_SUMMARY: summaryFile,
    RUNNER_TEMP: main.dir
  }
  for (const [k, v] of Object.entries(main.state)) env[`STATE_${k}`] = v
  const child = spawn(E2E_NODE, [join(ROOT, 'dist/post/index.js')], {
    cwd: main.dir,
    env,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  return { code, stdout, stderr, summary: readFileSync(summaryFile, 'utf8') }
}
