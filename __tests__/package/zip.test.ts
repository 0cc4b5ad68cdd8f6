/**
 * The bounded ZIP reader (src/package/zip.ts): real packages read exactly as fflate reads them;
 * every hostile archive of the threat model is refused, naming the entry, within a fraction of a
 * second and without inflating what its headers hide.
 */
import { strToU8, unzipSync, zipSync } from 'fflate'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { readProjectFolder, zipDeterministic } from '../../src/package/folder.js'
import { unzipPackage } from '../../src/package/layout.js'
import { PackageReadError, readPackageInfo } from '../../src/package/package.js'
import { listEntries, readZip, unsafeEntryName } from '../../src/package/zip.js'
import { hostileZips, rawZip } from '../helpers/hostile.js'

// Qlik's own exports when this checkout sits beside them (as in real-exports.test.ts); the
// repository's example project always
const REAL =
  process.env.QLIK_REAL_EXPORTS ??
  new URL('../../../shared/real-exports/', import.meta.url).pathname
const EXAMPLE = new URL('../../examples/project/', import.meta.url).pathname

describe('real packages', () => {
  it('read to the same files as fflate reads them (every real export, and fflate-written ZIPs)', () => {
    const zips: Uint8Array[] = [
      zipSync({ 'qtcp_project.yaml': strToU8('properties: {}\n'), 'a/': new Uint8Array(0) }),
      zipSync({ 'x.txt': strToU8('') }, { level: 0 }),
      zipDeterministic(readProjectFolder(EXAMPLE).files)
    ]
    if (existsSync(REAL))
      for (const name of readdirSync(REAL))
        if (existsSync(join(REAL, name, 'qtcp_project.yaml')))
          zips.push(zipDeterministic(readProjectFolder(join(REAL, name)).files))
    expect(zips.length).toBeGreaterThan(2)
    for (const zip of zips) {
      const theirs = unzipSync(zip)
      for (const k of Object.keys(theirs)) if (k.endsWith('/')) delete theirs[k]
      expect({ ...unzipPackage(zip) }).toEqual(theirs)
    }
  })
})

describe('hostile archives', () => {
  const cases = hostileZips()
  it.each(cases.map((c) => [c.name, c] as const))('%s is refused, naming it', (_, c) => {
    const start = Date.now()
    expect(() => unzipPackage(c.zip)).toThrow(c.says)
    // readPackageInfo (deploy, backup) refuses it too, before anything is sent
    expect(() => readPackageInfo(c.zip)).toThrow(PackageReadError)
    // not a timing assertion of the product (see npm run bench): a loose guard against a loop
    expect(Date.now() - start).toBeLessThan(5000)
  })

  it('a lie in an entry the caller does not want is still found', () => {
    const zip = rawZip([
      { name: 'qtcp_project.yaml', data: Buffer.from('properties: {}\n') },
      { name: 'qtcp_tasks/t/model.yaml', data: Buffer.alloc(5000, 65), size: 10 }
    ])
    expect(() => readZip(zip, (n) => n === 'qtcp_project.yaml')).toThrow(
      /inflates past the 10 bytes/
    )
  })

  it('a CRC that does not match is refused', () => {
    const zip = rawZip([{ name: 'a.yaml', data: Buffer.from('x: 1\n'), crc: 1 }])
    expect(() => readZip(zip)).toThrow(/'a\.yaml' fails its CRC check/)
  })

  it('entry counts are checked against the bytes of the central directory', () => {
    const zip = rawZip([{ name: 'a.yaml', data: Buffer.from('x: 1\n') }])
    // the end record claims 5,000 entries in a directory of one
    zip.writeUInt16LE(5000, zip.length - 12)
    expect(() => listEntries(zip)).toThrow(/does not fit the file/)
  })

  it('names: relative, no .., no backslash, no drive letter, no control character', () => {
    expect(unsafeEntryName('qtcp_tasks/Landing orders/task.yaml')).toBeUndefined()
    expect(unsafeEntryName('qtcp_tasks/Ländereien 東京/task.yaml')).toBeUndefined()
    expect(unsafeEntryName('a\\b')).toMatch(/backslash/)
    expect(unsafeEntryName('C:/x')).toMatch(/drive letter/)
    expect(unsafeEntryName('a/../../b')).toMatch(/climbs out/)
    expect(unsafeEntryName('a//b')).toMatch(/empty/)
    expect(unsafeEntryName('a\u0000b')).toMatch(/control/)
  })
})
