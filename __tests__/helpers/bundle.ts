import { spawn, type ChildProcess } from 'node:child_process'

/** The Node binary end-to-end tests run bundles with: E2E_NODE (e.g. Node 24), else this one. */
export const E2E_NODE = process.env.E2E_NODE || process.execPath
export const ROOT = new URL('../../', import.meta.url).pathname

export interface TenantLine {
  url: string
  host: string
  apiKey: string
  clientId: string
  clientSecret: string
}

/** Start dist/simulator/index.js and wait for its ready line. */
export async function startBundledSimulator(
  args: string[] = [],
  /** How it is started: its own bundle, or `dist/cli/index.js simulator` as npx users do. */
  entry: string[] = ['dist/simulator/index.js']
): Promise<{
  child: ChildProcess
  tenants: Record<string, TenantLine>
  /** What it printed on stderr so far. */
  stderr: () => string
  stop: () => Promise<{ code: number | null; stderr: string }>
}> {
  const child = spawn(E2E_NODE, [...entry, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
  const tenants = await new Promise<Record<string, TenantLine>>((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`simulator did not start: ${stderr}`)), 20000)
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
      const nl = out.indexOf('\n')
      if (nl < 0) return
      clearTimeout(timer)
      try {
        resolve((JSON.parse(out.slice(0, nl)) as { tenants: Record<string, TenantLine> }).tenants)
      } catch (e) {
        reject(e as Error)
      }
    })
    void exited.then((code) => reject(new Error(`simulator exited ${code}: ${stderr}`)))
  })
  return {
    child,
    tenants,
    stderr: () => stderr,
    stop: async () => {
      child.kill('SIGINT')
      return { code: await exited, stderr }
    }
  }
}

/**
 * Run dist/cli/index.js in `cwd` (the command line writes its report there) with only PATH and
 * `env` in its environment; stdout and stderr together.
 */
export async function runCliBundle(
  args: string[],
  cwd: string,
  env: Record<string, string> = {}
): Promise<{ code: number | null; out: string }> {
  const child = spawn(E2E_NODE, [`${ROOT}dist/cli/index.js`, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let out = ''
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()))
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  return { code, out }
}
