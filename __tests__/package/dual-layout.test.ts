import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import {
  checkFiles,
  extractToFolder,
  legacyLeftovers,
  readProjectFolder,
  zipDeterministic
} from '../../src/package/folder.js'
import { sha256 } from '../../src/package/package.js'
import type { Simulator } from '../../src/simulator/server.js'
import { runPromote } from '../helpers/pipeline.js'
import { startDemo } from '../helpers/sim.js'

/**
 * A Git-backed project after Qlik's "Migrate to YAML format": the YAML layout (qtcp_project.yaml,
 * qtcp_tasks/, qtcp_bindings_definition.json) and, beside it, the LEGACY files the migration left
 * (project.json, projectSettings.json, bindingsTemplate.json, tasks/, newTaskDefaults/), as three
 * folders of qlik-org/demo_repository hold them (di/projects/P1, test3, VME/20250627_Project_DEV_1).
 * Built here from examples/project (the YAML half) and a LEGACY export of the same project, whose
 * registry, like the real one, declares fewer variables than the YAML registry.
 */
const example = new URL('../../examples/project/', import.meta.url).pathname
const SUPPORT_BINDINGS = readFileSync(
  new URL('../../examples/bindings/support-prod.yaml', import.meta.url),
  'utf8'
)
const LEGACY_FILES: Record<string, unknown> = {
  'project.json': {
    name: 'Support',
    type: 'DATA_PIPELINE',
    platformType: 'SNOWFLAKE',
    tasks: [{ id: 'landing_tickets', name: 'Landing support tickets', type: 'LANDING' }]
  },
  'projectSettings.json': { artifactsNaming: { defaultSchemaNameOption: 'UPPER_CASE' } },
  // the older registry: two variables fewer than qtcp_bindings_definition.json
  'bindingsTemplate.json': {
    variables: { platformConnection: '', 'task.landing_tickets.sourceConnection': '' }
  },
  'tasks/Landing support tickets/sourceSelection.json': { datasets: [{ name: 'tickets' }] },
  'tasks/Landing support tickets/datasets/tickets/dataset.json': { name: 'tickets' },
  'newTaskDefaults/newLandingTaskDefaults.json': { fullLoad: true }
}

function dualFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'qdp-dual-'))
  cpSync(example, dir, { recursive: true })
  for (const [path, doc] of Object.entries(LEGACY_FILES)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), `${JSON.stringify(doc, null, 2)}\n`)
  }
  return dir
}

const LEFT = [
  'bindingsTemplate.json',
  'newTaskDefaults/',
  'project.json',
  'projectSettings.json',
  'tasks/'
]

describe('a project folder with both layouts (YAML, and LEGACY left over)', () => {
  it('is the YAML half: the same files, the same package bytes, the LEGACY entries named once', () => {
    const dual = readProjectFolder(dualFolder())
    const yaml = readProjectFolder(example)
    expect(dual.legacy).toEqual(LEFT)
    expect(Object.keys(dual.files).sort()).toEqual(Object.keys(yaml.files).sort())
    expect(sha256(zipDeterministic(dual.files))).toBe(sha256(zipDeterministic(yaml.files)))
    expect(checkFiles(dual.files)).toEqual([])
    // the LEGACY folders once each, not their dozens of files
    expect(dual.leftOut).toEqual(LEFT)
  })

  it('needs the YAML layout: LEGACY names alone, or bindingsTemplate.json as the only registry, are not leftovers', () => {
    expect(legacyLeftovers(['project.json', 'bindingsTemplate.json', 'tasks/a/b.json'])).toEqual([])
    // exports of May 2026 name the YAML registry bindingsTemplate.json: then it is the registry
    expect(legacyLeftovers(['qtcp_project.yaml', 'bindingsTemplate.json', 'project.json'])).toEqual(
      ['project.json']
    )
    expect(legacyLeftovers(['qtcp_project.yaml', 'qtcp_bindings_definition.json'])).toEqual([])
  })

  it('export-dir writes the YAML layout into it and leaves the LEGACY entries as they were', () => {
    const dir = dualFolder()
    const zip = zipDeterministic(readProjectFolder(example).files)
    const r = extractToFolder(zip, dir)
    expect(r.legacy).toEqual(LEFT)
    expect(r.removed).toEqual([])
    for (const path of Object.keys(LEGACY_FILES)) expect(existsSync(join(dir, path))).toBe(true)
    expect(readProjectFolder(dir).legacy).toEqual(LEFT)
  })
})

describe('validate, deploy and drift of a folder with both layouts', () => {
  let sim: Simulator
  beforeAll(async () => {
    sim = await startDemo()
  })
  afterAll(async () => {
    await sim.close()
  })
  const noSource = { 'source-tenant': '', 'source-api-key': '', 'source-project': '' }
  const warnings = (text: string): string[] =>
    text.split('\n').filter((l) => l.startsWith('warning:'))

  it('validates with one warning naming the LEGACY leftovers', async () => {
    const { report, log } = await runPromote(sim, {
      ...noSource,
      'target-tenant': '',
      'target-api-key': '',
      'target-space': '',
      mode: 'validate',
      'package-dir': dualFolder()
    })
    expect(report.error).toBeUndefined()
    expect(report.validation?.valid).toBe(true)
    expect(warnings(log.text())).toEqual([
      expect.stringContaining(
        "Left out of the package: bindingsTemplate.json, newTaskDefaults/, project.json, projectSettings.json, tasks/ (left over from the LEGACY format; Qlik's YAML import reads the qtcp_* files)"
      )
    ])
  })

  it('deploys the package its YAML half is, and then shows no drift against either', async () => {
    const dir = dualFolder()
    const deploy = await runPromote(sim, {
      ...noSource,
      mode: 'deploy',
      'package-dir': dir,
      'target-project': 'Support',
      bindings: SUPPORT_BINDINGS
    })
    expect(deploy.report.error).toBeUndefined()
    expect(warnings(deploy.log.text())).toHaveLength(1)
    const alone = await runPromote(sim, {
      ...noSource,
      mode: 'drift',
      'package-dir': example,
      'target-project': 'Support',
      bindings: SUPPORT_BINDINGS
    })
    expect(alone.report.package?.sha256).toBe(deploy.report.package?.sha256)
    expect(alone.report.drift).toMatchObject({ drifted: false })
    const drift = await runPromote(sim, {
      ...noSource,
      mode: 'drift',
      'package-dir': dir,
      'target-project': 'Support',
      bindings: SUPPORT_BINDINGS
    })
    expect(drift.report.error).toBeUndefined()
    expect(drift.report.drift).toMatchObject({ drifted: false })
    expect(warnings(drift.log.text())).toHaveLength(1)
  })
})
