/**
 * export-dir writes only the project layout (src/package/folder.ts extractToFolder): a package that
 * names any other path writes nothing; no component of a target may be a symbolic link; nothing
 * outside export-dir is written or deleted.
 */
import { strToU8 } from 'fflate'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { extractToFolder, zipDeterministic } from '../../src/package/folder.js'

const PROJECT = strToU8('properties:\n  name: P\n  type: DATA_PIPELINE\n')
const TASK = strToU8('properties:\n  id: t1\n  name: T\n  type: LANDING\n')
const good = {
  'qtcp_project.yaml': PROJECT,
  'qtcp_bindings_definition.json': strToU8('{"variables":{}}'),
  'qtcp_tasks/T/task.yaml': TASK,
  'qtcp_tasks/T/datasets/orders.yaml': strToU8('name: orders\n')
}
const fresh = (): string => mkdtempSync(join(tmpdir(), 'qdp-export-dir-'))

it('writes the layout of a real package', () => {
  const dir = join(fresh(), 'project')
  const r = extractToFolder(zipDeterministic(good), dir)
  expect(r.written).toEqual(Object.keys(good).sort())
})

it.each([
  '.git/config',
  '.github/workflows/x.yml',
  'package.json',
  'qtcp_tasks/.git/config',
  'qtcp_tasks/T/.hidden.yaml',
  'qtcp_tasks/T/run.sh',
  'qtcp_tasks/T/a/b/c.yaml',
  'README.md'
])('a package holding %s writes nothing and names the path', (path) => {
  const dir = join(fresh(), 'project')
  const zip = zipDeterministic({
    ...good,
    [path]: strToU8('[core]\n\tfsmonitor = touch /tmp/pwned\n')
  })
  expect(() => extractToFolder(zip, dir)).toThrow(
    new RegExp(`outside the project layout.*'${path.replace(/[.]/g, '\\.')}'.*Nothing was written`)
  )
  expect(existsSync(dir)).toBe(false)
})

it('a symbolic link anywhere on the way is refused, not followed', () => {
  const root = fresh()
  const outside = join(root, 'outside')
  mkdirSync(outside)
  const dir = join(root, 'project')
  mkdirSync(dir)
  symlinkSync(outside, join(dir, 'qtcp_tasks'))
  expect(() => extractToFolder(zipDeterministic(good), dir)).toThrow(
    /qtcp_tasks is a symbolic link.*Nothing was written/
  )
  expect(readdirSync(outside)).toEqual([])
  expect(existsSync(join(dir, 'qtcp_project.yaml'))).toBe(false)

  // the final component: a link where a file would be written
  const dir2 = join(root, 'project2')
  mkdirSync(dir2)
  writeFileSync(join(root, 'victim.txt'), 'keep me')
  symlinkSync(join(root, 'victim.txt'), join(dir2, 'qtcp_project.yaml'))
  expect(() => extractToFolder(zipDeterministic(good), dir2)).toThrow(/symbolic link/)
  expect(readFileSync(join(root, 'victim.txt'), 'utf8')).toBe('keep me')

  // export-dir itself
  const link = join(root, 'link')
  symlinkSync(outside, link)
  expect(() => extractToFolder(zipDeterministic(good), link)).toThrow(/symbolic link/)
  expect(readdirSync(outside)).toEqual([])
})

it('deletes only layout files of an earlier export, and never through a link', () => {
  const root = fresh()
  const dir = join(root, 'project')
  extractToFolder(zipDeterministic({ ...good, 'qtcp_tasks/Old/task.yaml': TASK }), dir)
  writeFileSync(join(dir, 'README.md'), 'mine')
  const r = extractToFolder(zipDeterministic(good), dir)
  expect(r.removed).toEqual(['qtcp_tasks/Old/task.yaml'])
  expect(readFileSync(join(dir, 'README.md'), 'utf8')).toBe('mine')
})
