/**
 * YAML and folders read with bounds (src/package/bounds.ts, files.ts, folder.ts): alias bombs
 * under and over the large-file threshold, deep nesting, bytes that are not UTF-8, and a named
 * pipe in a project folder.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { strToU8 } from 'fflate'
import { BoundsError, checkYamlValue, invalidUtf8Offset } from '../../src/util/bounds.js'
import { LARGE_FILE, parseFile } from '../../src/package/files.js'
import { readProjectFolder } from '../../src/package/folder.js'
import type { Problem } from '../../src/package/layout.js'
import { aliasBomb } from '../helpers/hostile.js'

const parse = (text: string | Uint8Array, path = 'qtcp_tasks/t/model.yaml') => {
  const problems: Problem[] = []
  const parsed = parseFile(
    { [path]: typeof text === 'string' ? strToU8(text) : text },
    path,
    problems
  )
  return { parsed, problems }
}

describe('alias bombs', () => {
  it.each([
    ['under 1 MB (the document parser)', 0],
    ['over 1 MB (the large-file reader)', LARGE_FILE + 100_000]
  ])('%s: refused, naming the file', (_, padTo) => {
    const start = Date.now()
    const { parsed, problems } = parse(aliasBomb(padTo))
    expect(parsed.doc).toBeUndefined()
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatchObject({ level: 'ERROR', file: 'qtcp_tasks/t/model.yaml' })
    expect(problems[0]!.message).toMatch(/alias/i)
    // a loose guard against expansion (the bench measures it): seconds, not minutes
    expect(Date.now() - start).toBeLessThan(10_000)
  })

  it('a few aliases, as people write them, are fine', () => {
    const { parsed, problems } = parse('defaults: &d {a: 1, b: 2}\none: *d\ntwo: [*d, *d]\n')
    expect(problems).toEqual([])
    expect(parsed.doc).toMatchObject({ one: { a: 1 }, two: [{ b: 2 }, { a: 1 }] })
  })

  it('checkYamlValue counts the nodes aliases add, once per distinct node', () => {
    const leaf = { a: 1 }
    const shared = Array.from({ length: 1000 }, () => leaf)
    // 1,000 copies of a two-node value add ~2,000 nodes
    expect(() => checkYamlValue({ shared }, { depth: 50, aliasNodes: 2500 })).not.toThrow()
    expect(() => checkYamlValue({ shared }, { depth: 50, aliasNodes: 1500 })).toThrow(/alias bomb/)
    const self: unknown[] = []
    self.push(self)
    expect(() => checkYamlValue(self)).toThrow(/inside itself/)
  })
})

describe('deep nesting', () => {
  it('a value nested past the limit is refused, without recursion', () => {
    let deep: unknown = 'x'
    for (let i = 0; i < 100_000; i++) deep = [deep]
    expect(() => checkYamlValue(deep)).toThrow(BoundsError)
    expect(() => checkYamlValue(deep)).toThrow(/deeper than 256 levels/)
  })
  it('a file of 100,000 nested flow sequences is refused (small and large)', () => {
    for (const n of [300, 600_000]) {
      const { parsed, problems } = parse(`a: ${'['.repeat(n)}${']'.repeat(n)}\n`)
      expect(parsed.doc).toBeUndefined()
      expect(problems[0]?.message).toMatch(/deep|nest|not valid YAML/)
    }
  })
})

describe('UTF-8', () => {
  it('a file that is not UTF-8 is refused, with the byte offset', () => {
    const bytes = new Uint8Array([...strToU8('properties:\n  name: Caf'), 0xe9, 0x0a])
    const { problems } = parse(bytes, 'qtcp_tasks/t/task.yaml')
    expect(problems).toEqual([
      {
        level: 'ERROR',
        file: 'qtcp_tasks/t/task.yaml',
        pointer: '',
        message: expect.stringContaining('is not valid UTF-8 (byte offset 23)')
      }
    ])
  })
  it('invalidUtf8Offset agrees with the decoder on every kind of bad sequence', () => {
    const cases: number[][] = [
      [0xc0, 0x80],
      [0xe0, 0x80, 0x80],
      [0xed, 0xa0, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
      [0xe2, 0x82],
      [0x80],
      [0xff]
    ]
    for (const c of cases) expect(invalidUtf8Offset(new Uint8Array([0x41, ...c]))).toBe(1)
    expect(invalidUtf8Offset(strToU8('Ünïcødé 東京 🚀'))).toBe(-1)
  })
})

describe('folders', () => {
  it('a named pipe in a project folder is left out, never opened', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qdp-fifo-'))
    writeFileSync(join(dir, 'qtcp_project.yaml'), 'properties:\n  name: P\n')
    mkdirSync(join(dir, 'qtcp_tasks', 't'), { recursive: true })
    execFileSync('mkfifo', [join(dir, 'qtcp_tasks', 't', 'task.yaml')])
    const folder = readProjectFolder(dir)
    expect(folder.leftOut).toEqual([
      'qtcp_tasks/t/task.yaml (not a regular file: a pipe, socket or device)'
    ])
    expect(Object.keys(folder.files)).toEqual(['qtcp_project.yaml'])
  })
  it('CRLF files keep bytes that are not UTF-8, so the check sees them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qdp-crlf-'))
    writeFileSync(
      join(dir, 'qtcp_project.yaml'),
      Buffer.from([...strToU8('properties:\r\n  name: Caf'), 0xe9, 0x0d, 0x0a])
    )
    const folder = readProjectFolder(dir)
    const problems: Problem[] = []
    parseFile(folder.files, 'qtcp_project.yaml', problems)
    expect(problems[0]?.message).toContain('is not valid UTF-8 (byte offset 23)')
  })
})
