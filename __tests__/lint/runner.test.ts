import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'

/**
 * The runner's variables (GITHUB_*, RUNNER_*, ACTIONS_*) are read in src/runner.ts only: everything
 * else gets a Runner (adapters) or a RunContext (the pipeline).
 */
const SRC = new URL('../../src/', import.meta.url).pathname

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []
  )
}

/** `env.GITHUB_X`, `env['RUNNER_X']`, `env?.ACTIONS_X`: a read of a runner variable. */
const READ = /\benv\??\.(?:GITHUB|RUNNER|ACTIONS)_[A-Z_]+|\benv\[\s*['"`](?:GITHUB|RUNNER|ACTIONS)_/

it('reads the runner variables in one module', () => {
  const readers = files(SRC)
    .map((f) => relative(SRC, f))
    .filter((f) => f !== 'runner.ts' && !f.startsWith('simulator/'))
    .filter((f) => READ.test(readFileSync(join(SRC, f), 'utf8')))
  expect(readers).toEqual([])
  // the check sees a read where there is one
  expect(READ.test(readFileSync(join(SRC, 'runner.ts'), 'utf8'))).toBe(true)
})
