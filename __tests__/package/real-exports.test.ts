/**
 * Project folders that Qlik's own exporter wrote (its Git integration; ../shared/real-exports, from
 * qlik-org/demo_repository, reference data without a licence: read from there, never copied into
 * this repository). They decide what a package looks like: every one validates (warnings only:
 * the published schemas lag behind the exporter) and deploys to the simulator; the mistakes a user
 * can make are refused, naming the file and line. Set QLIK_REAL_EXPORTS to another folder of
 * exports to run the same checks on it. Skipped, saying so, where the folder is not there.
 */
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { checkFiles, readProjectFolder, zipDeterministic } from '../../src/package/folder.js'
import { strFromU8 } from 'fflate'
import { parse as parseYaml } from 'yaml'
import { formatProblem, unzipPackage, withStrictness } from '../../src/package/layout.js'
import { DATA_TASK_TYPES } from '../../src/qlik/vocabulary.js'
import { readPackage } from '../../src/simulator/engine/packages.js'
import type { Simulator } from '../../src/simulator/server.js'
import { runPromote } from '../helpers/pipeline.js'
import { startDemo } from '../helpers/sim.js'

const ROOT =
  process.env.QLIK_REAL_EXPORTS ??
  new URL('../../../shared/real-exports/', import.meta.url).pathname
const present = existsSync(ROOT)
const exports = present
  ? readdirSync(ROOT, { withFileTypes: true })
      .filter((e) => e.isDirectory() && existsSync(join(ROOT, e.name, 'qtcp_project.yaml')))
      .map((e) => e.name)
  : []

const errorsOf = (dir: string, strict = false): string[] => {
  const files = readProjectFolder(dir).files
  return withStrictness(checkFiles(files, zipDeterministic(files).length), strict)
    .filter((p) => p.level === 'ERROR')
    .map(formatProblem)
}

/** A copy of an export to break. */
const copyOf = (name: string): string => {
  const dir = mkdtempSync(join(tmpdir(), 'qdp-real-'))
  cpSync(join(ROOT, name), dir, { recursive: true })
  return dir
}

/** Bindings for every declared variable: connections to a prod connection, the rest a value. */
function bindingsFor(dir: string): string {
  const registry = ['qtcp_bindings_definition.json', 'bindingsTemplate.json']
    .map((f) => join(dir, f))
    .find((f) => existsSync(f)) as string
  const vars = Object.keys(JSON.parse(readFileSync(registry, 'utf8')).variables)
  const values = Object.fromEntries(
    vars
      .filter((v) => v !== 'projectName')
      .map((v) => [
        v,
        /Connection$/.test(v) ? '{{id(connection, PROD_DATA.snowflake_prod)}}' : 'VALUE'
      ])
  )
  const file = join(mkdtempSync(join(tmpdir(), 'qdp-real-b-')), 'bindings.json')
  writeFileSync(file, JSON.stringify(values))
  return file
}

;(present ? describe : describe.skip)(
  `real exports${present ? ` (${exports.length} in ${ROOT})` : ` (skipped: no folder ${ROOT})`}`,
  () => {
    it('there are some', () => {
      expect(exports.length).toBeGreaterThan(0)
    })

    it.each(exports)('%s validates: no error, schema findings are warnings', (name) => {
      expect(errorsOf(join(ROOT, name))).toEqual([])
    })

    it('strict-schemas makes the schema findings errors, naming the schema', () => {
      const withFindings = exports.find((n) => errorsOf(join(ROOT, n), true).length > 0)
      expect(withFindings).toBeDefined()
      expect(errorsOf(join(ROOT, withFindings!), true)[0]).toMatch(/\(schema [a-z.]+\.json\)$/)
    })

    it.each(exports)('%s imports into the simulator with the same reader', (name) => {
      const files = readProjectFolder(join(ROOT, name)).files
      const r = readPackage(zipDeterministic(files))
      expect(r.reports.filter((x) => x.level === 'ERROR')).toEqual([])
      expect(r.content?.project.type).toMatch(/^DATA_(PIPELINE|MOVEMENT)$/)
    })

    describe('the mistakes a user can make are refused, naming file and line', () => {
      const name = exports.find((n) => existsSync(join(ROOT, n, 'qtcp_tasks', 'Landing')))
      const landing = (dir: string) => join(dir, 'qtcp_tasks', 'Landing', 'task.yaml')
      const edit = (file: string, f: (s: string) => string) =>
        writeFileSync(file, f(readFileSync(file, 'utf8')))

      it('an undeclared variable', () => {
        const dir = copyOf(name!)
        edit(landing(dir), (s) => s.replace(/^(settings:\n)/m, '$1  note: "{{not.declared}}"\n'))
        expect(errorsOf(dir)).toEqual([
          expect.stringMatching(
            /^qtcp_tasks\/Landing\/task\.yaml:\d+: \/settings\/note: uses the variable \{\{not\.declared\}\}, which \S+ does not declare$/
          )
        ])
      })
      it('a broken YAML line', () => {
        const dir = copyOf(name!)
        edit(landing(dir), (s) => s.replace(/^properties:\n/m, 'properties:\n  name: [broken\n'))
        expect(errorsOf(dir)[0]).toMatch(
          /^qtcp_tasks\/Landing\/task\.yaml:\d+: \/: is not valid YAML/
        )
      })
      it('a task folder without task.yaml', () => {
        const dir = copyOf(name!)
        rmSync(landing(dir))
        expect(errorsOf(dir).join('\n')).toContain(
          'qtcp_tasks/Landing: /: task folder without task.yaml'
        )
      })
      it('a task type no Qlik exporter writes', () => {
        const dir = copyOf(name!)
        edit(landing(dir), (s) => s.replace(/^ {2}type: \w+$/m, '  type: LANDING_V2'))
        expect(errorsOf(dir)).toEqual([
          expect.stringMatching(
            /^qtcp_tasks\/Landing\/task\.yaml:\d+: \/properties\/type: 'LANDING_V2' is not a task type Qlik writes/
          )
        ])
      })
      it('no qtcp_project.yaml', () => {
        const dir = copyOf(name!)
        rmSync(join(dir, 'qtcp_project.yaml'))
        expect(() => errorsOf(dir)).toThrow(/has no qtcp_project\.yaml at its root/)
      })
      it('a source selection naming a task the project does not have', () => {
        const withSelection = exports.find((n) =>
          existsSync(join(ROOT, n, 'qtcp_tasks', 'Storage', 'sourceSelection.yaml'))
        )
        const dir = copyOf(withSelection!)
        edit(join(dir, 'qtcp_tasks', 'Storage', 'sourceSelection.yaml'), (s) =>
          s.replace(/sourceTask: \S+/, 'sourceTask: no-such-task')
        )
        expect(errorsOf(dir)).toEqual([
          expect.stringMatching(
            /^qtcp_tasks\/Storage\/sourceSelection\.yaml:\d+: \/includePatterns\/0\/sourceTask: refers to task 'no-such-task', which this project does not have/
          )
        ])
      })
    })

    it("the simulator exports what Qlik's exporter writes: file kinds, keys in the same places, its vocabulary", async () => {
      // every export's files, as one reference of what the exporter writes
      const realFiles: Record<string, Uint8Array> = {}
      for (const n of exports)
        for (const [path, data] of Object.entries(readProjectFolder(join(ROOT, n)).files))
          realFiles[`${n}\u0000${path}`] = data
      const sim = await startDemo()
      let simFiles: Record<string, Uint8Array>
      try {
        const dev = sim.tenantInfo('dev')
        const id = sim.state('dev').projects.find((p) => p.name === 'Sales pipeline')!.id
        const r = await fetch(`${dev.url}/api/v1/di-projects/${id}/actions/export`, {
          method: 'POST',
          headers: { authorization: `Bearer ${dev.apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ mode: 'MINIMAL' })
        })
        simFiles = unzipPackage(new Uint8Array(await r.arrayBuffer()))
      } finally {
        await sim.close()
      }
      const doc = (f: Record<string, Uint8Array>, path: string): Record<string, unknown> =>
        path.endsWith('.json')
          ? JSON.parse(strFromU8(f[path]!))
          : (parseYaml(strFromU8(f[path]!)) as Record<string, unknown>)
      const keys = (o: unknown): string[] => Object.keys((o ?? {}) as object).sort()
      /** file kind -> the union of its top-level keys and of its properties' keys, over the files */
      const shape = (f: Record<string, Uint8Array>) => {
        const out = new Map<string, { top: Set<string>; props: Set<string> }>()
        for (const key of Object.keys(f)) {
          const path = key.split('\u0000').pop()!
          const kind = path.replace(/^qtcp_tasks\/[^/]+\/(datasets\/)?[^/]+$/, (m, d) =>
            d ? 'datasets/*.yaml' : `task/${m.split('/').pop()}`
          )
          const d = doc(f, key)
          const k = out.get(kind) ?? { top: new Set(), props: new Set() }
          keys(d).forEach((x) => k.top.add(x))
          keys(d.properties).forEach((x) => k.props.add(x))
          out.set(kind, k)
        }
        return out
      }
      const mine = shape(simFiles)
      const theirs = shape(realFiles)
      for (const [kind, k] of mine) {
        expect({ kind, known: theirs.has(kind) }).toEqual({ kind, known: true })
        const t = theirs.get(kind)!
        expect({ kind, top: [...k.top].filter((x) => !t.top.has(x)) }).toEqual({ kind, top: [] })
        expect({ kind, props: [...k.props].filter((x) => !t.props.has(x)) }).toEqual({
          kind,
          props: []
        })
      }
      // the vocabulary: task types as the REST API names them, as today's exports write them
      const types = (f: Record<string, Uint8Array>) =>
        Object.keys(f)
          .filter((p) => p.endsWith('/task.yaml'))
          .map((p) => (doc(f, p).properties as { type: string }).type)
      expect(types(simFiles).every((t) => (DATA_TASK_TYPES as readonly string[]).includes(t))).toBe(
        true
      )
      expect(types(realFiles)).toEqual(expect.arrayContaining(['LANDING', 'STORAGE']))
      expect(Object.keys(simFiles)).toContain('qtcp_bindings_definition.json')
    })

    describe('deploy to the simulator', () => {
      let sim: Simulator
      beforeAll(async () => {
        sim = await startDemo({ rateLimits: { enabled: false } })
      })
      afterAll(async () => {
        await sim.close()
      })
      // a project that reads another project's datasets needs that one imported first (Qlik's
      // rule, which the simulator keeps): the projects-file tests cover that order
      const standalone = exports.filter((n) => {
        const dir = join(ROOT, n)
        const registry = ['qtcp_bindings_definition.json', 'bindingsTemplate.json']
          .map((f) => join(dir, f))
          .find((f) => existsSync(f))
        const vars = registry
          ? Object.keys(JSON.parse(readFileSync(registry, 'utf8')).variables)
          : []
        return !vars.some((v) => /^project\..+\.projectId$/.test(v))
      })
      it.each(standalone)(
        '%s: created, imported, prepared, validated; its export-dir equals the folder but for key order',
        async (name) => {
          const dir = join(ROOT, name)
          const target = `Real ${name.slice(0, 40)}`
          const { report } = await runPromote(sim, {
            'source-tenant': '',
            'source-api-key': '',
            'source-project': '',
            mode: 'deploy',
            'package-dir': dir,
            'target-project': target,
            bindings: '',
            'bindings-file': bindingsFor(dir)
          })
          expect(report.error).toBeUndefined()
          expect(report.actions.validate?.state).toBe('COMPLETED')

          // round trip: export the deployed project into a folder, as export-dir writes it
          const prod = sim.tenantInfo('prod')
          const out = mkdtempSync(join(tmpdir(), 'qdp-real-out-'))
          const back = await runPromote(sim, {
            mode: 'export',
            'source-tenant': prod.url,
            'source-api-key': prod.apiKey,
            'source-project': target,
            'source-space': 'PROD_PIPELINES',
            'target-tenant': '',
            'target-api-key': '',
            'target-space': '',
            bindings: '',
            'export-dir': out
          })
          expect(back.report.error).toBeUndefined()
          expect(errorsOf(out)).toEqual([])
          const original = readProjectFolder(dir).files
          const written = readProjectFolder(out).files
          expect(Object.keys(written).sort()).toEqual(Object.keys(original).sort())
          const parsed = (f: Record<string, Uint8Array>, path: string): unknown =>
            path.endsWith('.json')
              ? JSON.parse(strFromU8(f[path]!))
              : parseYaml(strFromU8(f[path]!))
          for (const path of Object.keys(original))
            expect({ path, doc: parsed(written, path) }).toEqual({
              path,
              doc: parsed(original, path)
            })
        }
      )
    })
  }
)
