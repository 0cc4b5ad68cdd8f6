import {
  cpSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
  existsSync,
  mkdirSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'
import {
  checkFiles,
  extractToFolder,
  FolderError,
  readProjectFolder,
  zipDeterministic
} from '../../src/package/folder.js'
import { formatProblem, parseDefinition, unzipPackage } from '../../src/package/layout.js'
import { sha256 } from '../../src/package/package.js'
import { parseConfig } from '../../src/simulator/config.js'
import { buildPackage } from '../../src/simulator/engine/packages.js'
import { buildTenants } from '../../src/simulator/state.js'
import { demoConfig } from '../helpers/sim.js'

const example = new URL('../../examples/project/', import.meta.url).pathname

function copyOfExample(): string {
  const dir = mkdtempSync(join(tmpdir(), 'qdp-folder-'))
  cpSync(example, dir, { recursive: true })
  return dir
}

const LANDING = 'qtcp_tasks/Landing support tickets/task.yaml'

describe("a project folder in Qlik's layout (examples/project, written by hand)", () => {
  it('is valid, and becomes the same bytes however it was checked out', () => {
    const a = readProjectFolder(example)
    expect(checkFiles(a.files)).toEqual([])
    const def = parseDefinition(a.files).definition!
    expect(def.project).toMatchObject({ type: 'DATA_PIPELINE', platformType: 'SNOWFLAKE' })
    expect(def.tasks.map((t) => [t.id, t.type, t.datasets])).toEqual([
      ['landing_tickets', 'LANDING', ['tickets', 'ticket_comments']],
      // no source selection: the dataset files, by name
      ['storage_support', 'STORAGE', ['ticket_comments', 'tickets']]
    ])
    // a Windows checkout (CRLF) and stray files give the same package
    const dir = copyOfExample()
    const p = join(dir, LANDING)
    writeFileSync(p, readFileSync(p, 'utf8').replace(/\n/g, '\r\n'))
    writeFileSync(join(dir, 'README.md'), '# notes')
    writeFileSync(join(dir, '.gitkeep'), '')
    const b = readProjectFolder(dir)
    expect(b.leftOut.sort()).toEqual(['.gitkeep', 'README.md'])
    expect(sha256(zipDeterministic(b.files))).toBe(sha256(zipDeterministic(a.files)))
    expect(Buffer.from(zipDeterministic(a.files))).toEqual(Buffer.from(zipDeterministic(a.files)))
  })

  it('refuses what is not a project folder, clearly, naming the input', () => {
    expect(() => readProjectFolder('/no/such/dir')).toThrow(
      "Input 'package-dir': no folder /no/such/dir."
    )
    expect(() => readProjectFolder(join(example, 'qtcp_project.yaml'))).toThrow(/is not a folder/)
    const empty = mkdtempSync(join(tmpdir(), 'qdp-empty-'))
    expect(() => readProjectFolder(empty)).toThrow(/has no qtcp_project.yaml at its root/)
    const big = copyOfExample()
    mkdirSync(join(big, 'qtcp_tasks', 'Storage support', 'datasets'), { recursive: true })
    writeFileSync(
      join(big, 'qtcp_tasks', 'Storage support', 'model.yaml'),
      'x'.repeat(11 * 1024 * 1024)
    )
    expect(() => readProjectFolder(big)).toThrow(FolderError)
    expect(() => readProjectFolder(big)).toThrow(
      /more than 10 MB .*Qlik refuses packages over 10 MB/
    )
  })

  it('names the file, the line and the JSON pointer of each problem', () => {
    const dir = copyOfExample()
    writeFileSync(
      join(dir, LANDING),
      'properties:\n  name: Landing support tickets\n  id: landing_tickets\n  type: LANDING_SAAS_MANAGED\nsettings:\n  fullLoadOnly: "no"\n  speed: "{{undeclared.var}}"\n'
    )
    rmSync(join(dir, 'qtcp_tasks', 'Storage support', 'task.yaml'))
    const problems = checkFiles(readProjectFolder(dir).files).map(formatProblem)
    expect(problems).toEqual([
      `${LANDING}:6: /settings/fullLoadOnly: must be boolean (schema task.schema.json)`,
      `${LANDING}:7: /settings/speed: is not a key the schema allows here (schema task.schema.json)`,
      `${LANDING}:7: /settings/speed: uses the variable {{undeclared.var}}, which qtcp_bindings_definition.json does not declare`,
      'qtcp_tasks/Storage support: /: task folder without task.yaml (every folder under qtcp_tasks/ is one task)'
    ])
  })

  it('reports YAML syntax errors with their line, and a ZIP over 10 MB', () => {
    const dir = copyOfExample()
    writeFileSync(
      join(dir, 'qtcp_project.yaml'),
      'properties:\n  type: DATA_PIPELINE\n  name: [oops\n'
    )
    const [first] = checkFiles(readProjectFolder(dir).files)
    expect(first).toMatchObject({
      level: 'ERROR',
      file: 'qtcp_project.yaml',
      message: expect.stringMatching(/^is not valid YAML/)
    })
    expect(first!.line).toBeGreaterThan(1)
    const ok = readProjectFolder(example).files
    expect(checkFiles(ok, 10 * 1024 * 1024 + 1).map(formatProblem)).toEqual([
      '(package): /: the ZIP is 10485761 bytes; Qlik refuses packages over 10485760 bytes (10 MB)'
    ])
  })
})

describe('export-dir: a package written as a folder for git', () => {
  const project = () =>
    buildTenants(parseConfig(demoConfig()), Date.now())[0]!.projects.find(
      (p) => p.name === 'Sales pipeline'
    )!

  it('writes a normalised folder that reads back as the same project, without bindings.json', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qdp-export-'))
    writeFileSync(join(dir, 'README.md'), 'kept')
    const zip = buildPackage(project(), 'MINIMAL', true)
    const r = extractToFolder(zip, dir)
    expect(r.skipped).toEqual(['bindings.json'])
    expect(existsSync(join(dir, 'bindings.json'))).toBe(false)
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toBe('kept')
    // properties first, then settings; keys sorted inside
    const text = readFileSync(join(dir, 'qtcp_project.yaml'), 'utf8')
    expect(text.indexOf('properties:')).toBe(0)
    expect(Object.keys(parse(text).properties)).toEqual(
      [...Object.keys(parse(text).properties)].sort()
    )
    const back = parseDefinition(readProjectFolder(dir).files)
    expect(back.problems).toEqual([])
    const original = parseDefinition(unzipPackage(zip)).definition!
    expect(back.definition!.tasks).toEqual(original.tasks)
    expect(back.definition!.project).toEqual(original.project)
    // the same export twice gives the same files: nothing for git to show
    const again = extractToFolder(zip, dir)
    expect(again.removed).toEqual([])
  })

  it('deletes the files of a task the project no longer has, and nothing else', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qdp-export-'))
    const p = project()
    extractToFolder(buildPackage(p, 'MINIMAL', false), dir)
    const smaller = { ...p, tasks: p.tasks.filter((t) => t.id !== 'mart_sales') }
    const r = extractToFolder(buildPackage(smaller, 'MINIMAL', false), dir)
    expect(r.removed).toEqual(
      [
        'qtcp_tasks/Sales mart/datasets/dim_customer.yaml',
        'qtcp_tasks/Sales mart/datasets/fact_sales.yaml',
        'qtcp_tasks/Sales mart/task.yaml'
      ].sort()
    )
    expect(existsSync(join(dir, 'qtcp_tasks', 'Sales mart'))).toBe(false)
  })

  it('refuses a LEGACY package', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qdp-export-'))
    expect(() => extractToFolder(buildPackage(project(), 'LEGACY', false), dir)).toThrow(
      /only YAML packages/
    )
  })
})
