import { crc32, inflateRawSync } from 'node:zlib'
import { quote } from '../text/escape.js'
import { PackageFormatError, PackageRefusedError } from './format.js'

/**
 * Reading a package ZIP that nobody reviewed (an export of a tenant anyone can edit, a file of a
 * pull request, an artifact) with bounds that do not trust its headers:
 *
 * - the central directory is read first, and its entry count is checked against the bytes it
 *   occupies (a ZIP64 record claiming 2^32 entries in 2 KB is refused at once, not looped over);
 * - every name is checked before anything is inflated: relative, no `..`, no backslash, no drive
 *   letter, no NUL or control character, unique; symlinks and devices are refused;
 * - the sizes the headers declare are held to a per-archive cap and a per-entry ratio, and each
 *   entry is inflated with its declared size as the output limit, so that a header that lies stops
 *   the inflater at the limit instead of filling memory; an entry that inflates to anything but its
 *   declared size, or whose CRC differs, is refused.
 *
 * Memory therefore never exceeds the declared total (at most `totalBytes`), whatever the archive.
 */

export interface ZipLimits {
  entries: number
  /** Inflated bytes of all entries together. */
  totalBytes: number
  /** Inflated / compressed size of one entry, above `ratioFloor` inflated bytes. */
  ratio: number
  ratioFloor: number
}

/**
 * Qlik refuses packages over 10 MB zipped; real exports inflate 5 to 30 times. These caps leave a
 * real package far inside them and stop a bomb long before memory matters.
 */
export const ZIP_LIMITS: ZipLimits = {
  entries: 20_000,
  totalBytes: 200 * 1024 * 1024,
  ratio: 1_000,
  ratioFloor: 1024 * 1024
}

export interface ZipEntry {
  name: string
  /** Directory entries (name ends with '/') have no content. */
  directory: boolean
  method: number
  compressedSize: number
  size: number
  crc: number
  /** Offset of the local file header. */
  offset: number
}

/** An archive that breaks a bound or names an unsafe path: refused, whatever else it holds. */
const refuse = (why: string): never => {
  throw new PackageRefusedError(`The package ZIP is refused: ${why}.`)
}
/** An archive whose structure does not hold together (a cut download, a damaged file). */
const corrupt = (why: string): never => {
  throw new PackageFormatError(`The package ZIP is corrupt or truncated (${why}).`)
}

const EOCD = 0x06054b50
const EOCD64 = 0x06064b50
const LOCATOR64 = 0x07064b50
const CENTRAL = 0x02014b50
const LOCAL = 0x04034b50
const CENTRAL_MIN = 46

/** Why an entry name cannot be a path inside the package, or undefined when it can. */
export function unsafeEntryName(name: string): string | undefined {
  if (name === '') return 'it is empty'
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) return 'it holds a control character'
  if (name.includes('\\')) return 'it holds a backslash'
  if (name.startsWith('/')) return 'it is an absolute path'
  if (/^[a-zA-Z]:/.test(name)) return 'it starts with a drive letter'
  const parts = name.replace(/\/$/, '').split('/')
  if (parts.some((p) => p === '..')) return "it climbs out of the package with '..'"
  if (parts.some((p) => p === '' || p === '.')) return "it has an empty or '.' path segment"
  return undefined
}

function findEocd(zip: Buffer): number {
  // the record is 22 bytes and its comment at most 65,535
  const lowest = Math.max(0, zip.length - 22 - 0xffff)
  for (let i = zip.length - 22; i >= lowest; i--) if (zip.readUInt32LE(i) === EOCD) return i
  return corrupt('it has no end-of-central-directory record')
}

/** The entries of the central directory, every name and kind checked, nothing inflated. */
// eslint-disable-next-line max-lines-per-function -- issue 33: to be split (known when the rule came in)
export function listEntries(data: Uint8Array, limits: ZipLimits = ZIP_LIMITS): ZipEntry[] {
  const zip = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  if (zip.length < 22 || zip[0] !== 0x50 || zip[1] !== 0x4b)
    throw new PackageFormatError('The package is not a ZIP archive (it does not start with "PK").')
  const eocd = findEocd(zip)
  let count = zip.readUInt16LE(eocd + 10)
  let cdSize = zip.readUInt32LE(eocd + 12)
  let cdOffset = zip.readUInt32LE(eocd + 16)
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const locator = eocd - 20
    if (locator < 0 || zip.readUInt32LE(locator) !== LOCATOR64)
      corrupt('its ZIP64 locator is missing')
    const at = Number(zip.readBigUInt64LE(locator + 8))
    if (at < 0 || at + 56 > zip.length || zip.readUInt32LE(at) !== EOCD64)
      corrupt('its ZIP64 end record is missing or outside the file')
    const count64 = zip.readBigUInt64LE(at + 32)
    const size64 = zip.readBigUInt64LE(at + 40)
    const offset64 = zip.readBigUInt64LE(at + 48)
    if (count64 > BigInt(limits.entries))
      refuse(`it declares ${count64} entries; a package may hold at most ${limits.entries}`)
    if (size64 > BigInt(zip.length) || offset64 > BigInt(zip.length))
      refuse('its ZIP64 record places the central directory outside the file')
    count = Number(count64)
    cdSize = Number(size64)
    cdOffset = Number(offset64)
  }
  if (count > limits.entries)
    refuse(`it holds ${count} entries; a package may hold at most ${limits.entries}`)
  if (cdOffset + cdSize > zip.length || count * CENTRAL_MIN > cdSize)
    refuse(
      `its central directory (${count} entries in ${cdSize} bytes at offset ${cdOffset}) does not fit the file`
    )
  const entries: ZipEntry[] = []
  const seen = new Set<string>()
  let total = 0
  let p = cdOffset
  for (let i = 0; i < count; i++) {
    if (p + CENTRAL_MIN > cdOffset + cdSize || zip.readUInt32LE(p) !== CENTRAL)
      corrupt(`entry ${i + 1} of its central directory is corrupt`)
    const madeBy = zip.readUInt16LE(p + 4)
    const flags = zip.readUInt16LE(p + 8)
    const method = zip.readUInt16LE(p + 10)
    const crc = zip.readUInt32LE(p + 16)
    let compressedSize = zip.readUInt32LE(p + 20)
    let size = zip.readUInt32LE(p + 24)
    const nameLen = zip.readUInt16LE(p + 28)
    const extraLen = zip.readUInt16LE(p + 30)
    const commentLen = zip.readUInt16LE(p + 32)
    const external = zip.readUInt32LE(p + 38)
    let offset = zip.readUInt32LE(p + 42)
    const end = p + CENTRAL_MIN + nameLen + extraLen + commentLen
    if (end > cdOffset + cdSize) corrupt(`entry ${i + 1} of its central directory is corrupt`)
    const nameBytes = zip.subarray(p + CENTRAL_MIN, p + CENTRAL_MIN + nameLen)
    let name: string
    try {
      name = new TextDecoder('utf-8', { fatal: true }).decode(nameBytes)
    } catch {
      name = nameBytes.toString('latin1')
      refuse(`the entry name ${quote(name)} is not valid UTF-8`)
    }
    const unsafe = unsafeEntryName(name)
    if (unsafe) refuse(`the entry ${quote(name)} is not a safe path (${unsafe})`)
    if (seen.has(name)) refuse(`the entry ${quote(name)} appears twice`)
    seen.add(name)
    // ZIP64 sizes and offset: the extra field with id 1 holds those whose 32-bit value is all ones
    if (size === 0xffffffff || compressedSize === 0xffffffff || offset === 0xffffffff) {
      let x = p + CENTRAL_MIN + nameLen
      const xEnd = x + extraLen
      let found = false
      while (x + 4 <= xEnd) {
        const id = zip.readUInt16LE(x)
        const len = zip.readUInt16LE(x + 2)
        if (id === 1) {
          let q = x + 4
          const next = (): number => {
            if (q + 8 > x + 4 + len)
              return corrupt(`the ZIP64 sizes of ${quote(name)} are truncated`)
            const v = zip.readBigUInt64LE(q)
            q += 8
            return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v)
          }
          if (size === 0xffffffff) size = next()
          if (compressedSize === 0xffffffff) compressedSize = next()
          if (offset === 0xffffffff) offset = next()
          found = true
          break
        }
        x += 4 + len
      }
      if (!found) corrupt(`the entry ${quote(name)} has no ZIP64 sizes`)
    }
    const directory = name.endsWith('/')
    // Unix modes live in the high 16 bits when the entry was made on Unix (or macOS)
    const host = madeBy >> 8
    const mode = (external >>> 16) & 0o170000
    if ((host === 3 || host === 19) && mode !== 0 && mode !== 0o100000 && mode !== 0o040000)
      refuse(
        `the entry ${quote(name)} is ${mode === 0o120000 ? 'a symbolic link' : 'a device, pipe or socket'}, not a file`
      )
    if (flags & 1) refuse(`the entry ${quote(name)} is encrypted`)
    if (!directory && method !== 0 && method !== 8)
      refuse(`the entry ${quote(name)} uses compression method ${method} (only stored and deflate)`)
    if (method === 0 && size !== compressedSize)
      corrupt(`the stored entry ${quote(name)} declares two different sizes`)
    if (offset + 30 > zip.length || offset + compressedSize > zip.length)
      corrupt(`the entry ${quote(name)} lies outside the file`)
    total += size
    if (total > limits.totalBytes)
      refuse(
        `its entries inflate to more than ${limits.totalBytes / 1024 / 1024} MB (at ${quote(name)}); a real package is far smaller`
      )
    if (size > limits.ratioFloor && size > compressedSize * limits.ratio)
      refuse(
        `the entry ${quote(name)} inflates ${Math.round(size / Math.max(1, compressedSize))} times (${size} bytes from ${compressedSize}): a compression bomb`
      )
    entries.push({ name, directory, method, compressedSize, size, crc, offset })
    p = end
  }
  return entries
}

/** One entry's content, inflated no further than its declared size, CRC checked. */
export function readEntry(data: Uint8Array, e: ZipEntry): Uint8Array {
  const zip = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  if (zip.readUInt32LE(e.offset) !== LOCAL)
    corrupt(`the local header of ${quote(e.name)} is missing`)
  const start = e.offset + 30 + zip.readUInt16LE(e.offset + 26) + zip.readUInt16LE(e.offset + 28)
  if (start + e.compressedSize > zip.length) corrupt(`the entry ${quote(e.name)} is truncated`)
  const raw = zip.subarray(start, start + e.compressedSize)
  let out: Buffer
  if (e.method === 0) out = raw
  else {
    try {
      // one byte more than declared: an entry that inflates further is caught, not followed
      out = inflateRawSync(raw, { maxOutputLength: Math.max(1, e.size + 1) })
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
        refuse(`the entry ${quote(e.name)} inflates past the ${e.size} bytes its header declares`)
      return corrupt(`the entry ${quote(e.name)} does not inflate: ${(err as Error).message}`)
    }
  }
  if (out.length !== e.size)
    corrupt(
      `the entry ${quote(e.name)} inflates to ${out.length} bytes, not the ${e.size} declared`
    )
  if (crc32(out) >>> 0 !== e.crc >>> 0) corrupt(`the entry ${quote(e.name)} fails its CRC check`)
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength)
}

/**
 * Every file of the archive (directories left out), or those `wanted` keeps. The others are still
 * inflated (one at a time, within the bounds) and dropped: a package that passes here has no entry
 * that lies, so it is whole before it goes anywhere.
 */
export function readZip(
  data: Uint8Array,
  wanted: (name: string) => boolean = () => true,
  limits: ZipLimits = ZIP_LIMITS
): { files: Record<string, Uint8Array>; count: number } {
  const entries = listEntries(data, limits)
  const files: Record<string, Uint8Array> = Object.create(null) as Record<string, Uint8Array>
  let count = 0
  for (const e of entries) {
    if (e.directory) continue
    count += 1
    const content = readEntry(data, e)
    if (wanted(e.name)) files[e.name] = content
  }
  return { files, count }
}
