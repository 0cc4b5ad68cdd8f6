/**
 * `validate` on generated project folders of 250, 1,000 and 2,000 tasks (each with a source
 * selection and two datasets, like a storage task of a real export) and on a ~10 MB package whose
 * largest file is a 9 MB model.yaml: wall time and peak RSS of the CLI bundle, start-up included.
 * Targets: time linear in the number of files (2,000 tasks within 4x the time of 250), peak RSS at
 * most 250 MB for the 10 MB package.
 */
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { strFromU8 } from 'fflate'
import { modelYaml } from '../src/simulator/engine/packages.js'

export interface ValidateRun {
  label: string
  files: number
  ms: number
  maxRssMb: number
  code: number | null
}

/** A project folder of `tasks` storage tasks; `modelBytes` makes one model.yaml that large. */
export function generateFolder(tasks: number, modelBytes = 0): { dir: string; files: number } {
  const dir = mkdtempSync(join(tmpdir(), `qdp-bench-validate-${tasks}-`))
  const variables: Record<string, string> = {
    projectName: '',
    platformConnection: '',
    'task-type.storage.databaseName': ''
  }
  writeFileSync(
    join(dir, 'qtcp_project.yaml'),
    "properties:\n  exportVersion: '1.0'\n  name: '{{projectName}}'\n  type: DATA_PIPELINE\n  platformType: SNOWFLAKE\n  platformConnection: '{{platformConnection}}'\n"
  )
  let files = 1
  for (let i = 0; i < tasks; i++) {
    const id = `storage-${i}`
    const d = join(dir, 'qtcp_tasks', `Storage ${i}`)
    mkdirSync(join(d, 'datasets'), { recursive: true })
    writeFileSync(
      join(d, 'task.yaml'),
      `properties:\n  name: Storage ${i}\n  id: ${id}\n  type: STORAGE\nsettings:\n  artifactsLocation:\n    databaseName: '{{task-type.storage.databaseName}}'\n`
    )
    writeFileSync(
      join(d, 'sourceSelection.yaml'),
      `includePatterns:\n  - sourceTask: ${i === 0 ? id : `storage-${i - 1}`}\n    tablePattern: '%'\n`
    )
    for (const name of ['orders', 'customers'])
      writeFileSync(
        join(d, 'datasets', `${name}.yaml`),
        `properties:\n  id: ${name}-${i}\n  name: ${name}\n  tableDef:\n    columns:\n      - datatype:\n          type: INT4\n        name: ${name}_id\n        primaryKeyOrdinal: 1\n`
      )
    files += 4
  }
  if (modelBytes > 0) {
    const d = join(dir, 'qtcp_tasks', 'Storage 0')
    // the generator's size is approximate: scale it to the size asked for
    const first = modelYaml('storage-0', ['orders', 'customers'], modelBytes)
    const model = modelYaml(
      'storage-0',
      ['orders', 'customers'],
      (modelBytes * modelBytes) / first.length
    )
    writeFileSync(join(d, 'model.yaml'), strFromU8(model))
    files += 1
  }
  writeFileSync(join(dir, 'qtcp_bindings_definition.json'), JSON.stringify({ variables }))
  return { dir, files: files + 1 }
}

export async function validateRun(
  root: string,
  label: string,
  dir: string,
  files: number
): Promise<ValidateRun> {
  const reportPath = join(dir, '..', `${label.replace(/\W+/g, '-')}-report.json`)
  const r = await cliValidate(root, ['--package-dir', dir, '--report-path', reportPath])
  return { label, files, ...r }
}

/** The CLI bundle's validate with these arguments: exit, wall time, peak RSS. */
export async function cliValidate(
  root: string,
  args: string[]
): Promise<{ code: number | null; ms: number; maxRssMb: number }> {
  const t0 = process.hrtime.bigint()
  const child = spawn(
    process.execPath,
    [
      '--import',
      join(root, 'scripts/bench-rss.mjs'),
      join(root, 'dist/cli/index.js'),
      'validate',
      ...args
    ],
    { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'ignore', 'pipe'] }
  )
  let err = ''
  child.stderr.on('data', (d: Buffer) => (err += d.toString()))
  const code = await new Promise<number | null>((r) => child.on('close', r))
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  return { code, ms, maxRssMb: Number(/BENCH_MAXRSS_KB (\d+)/.exec(err)?.[1] ?? 'NaN') / 1024 }
}
