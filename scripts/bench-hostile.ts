import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadBindingsInput, mergeBindings } from '../src/pipeline/bindings.js'
import { aliasBomb, hostileZips } from '../__tests__/helpers/hostile.js'
import { cliValidate } from './bench-validate.js'

/**
 * `npm run bench -- --only=hostile`: the hostile inputs of the threat model (docs/security.md),
 * each given to the CLI bundle's validate as a user would: its exit, wall time and peak RSS,
 * against a normal package's; and bindings files of 20,000 and 100,000 names (linear).
 */
export interface HostileRun {
  label: string
  code: number | null
  ms: number
  maxRssMb: number
}

async function validate(root: string, label: string, args: string[]): Promise<HostileRun> {
  return { label, ...(await cliValidate(root, args)) }
}

export async function hostileBench(root: string): Promise<HostileRun[]> {
  const dir = mkdtempSync(join(tmpdir(), 'qdp-bench-hostile-'))
  const runs = [
    await validate(root, 'normal: examples/project', [
      '--package-dir',
      join(root, 'examples/project')
    ])
  ]
  for (const c of hostileZips()) {
    const zip = join(dir, `${runs.length}.zip`)
    writeFileSync(zip, c.zip)
    runs.push(await validate(root, `ZIP: ${c.name}`, ['--zip-path', zip]))
  }
  for (const [label, padTo] of [
    ['YAML: alias bomb of 1 KB', 0],
    ['YAML: alias bomb of 1.1 MB', 1_100_000]
  ] as const) {
    const folder = join(dir, `folder-${runs.length}`)
    mkdirSync(join(folder, 'qtcp_tasks', 't'), { recursive: true })
    writeFileSync(
      join(folder, 'qtcp_project.yaml'),
      'properties:\n  name: P\n  type: DATA_PIPELINE\n'
    )
    writeFileSync(
      join(folder, 'qtcp_tasks', 't', 'task.yaml'),
      'properties:\n  id: t\n  name: t\n  type: LANDING\n'
    )
    writeFileSync(join(folder, 'qtcp_tasks', 't', 'model.yaml'), aliasBomb(padTo))
    runs.push(await validate(root, label, ['--package-dir', folder]))
  }
  return runs
}

/** Reading and merging a bindings file of n names, in process: ms. */
export function bindingsBench(n: number): number {
  let text = ''
  for (let i = 0; i < n; i++) text += `task.t${i}.databaseName: DB_${i}\n`
  const t0 = process.hrtime.bigint()
  const input = loadBindingsInput(text, {}, tmpdir())
  const names = Object.keys(input.values)
  mergeBindings({}, input.values, names)
  return Number(process.hrtime.bigint() - t0) / 1e6
}
