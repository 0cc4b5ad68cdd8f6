import { crc32, deflateRawSync } from 'node:zlib'

/**
 * ZIPs written byte by byte, so that a test can make every header say what an attacker would:
 * sizes that lie, names that climb out, symlink modes, a ZIP64 record with 2^32 entries.
 */
export interface RawEntry {
  name: string
  /** The content; deflated unless `stored`. */
  data?: Buffer
  /** Already-compressed bytes (then `size` and `crc` say what they claim). */
  compressed?: Buffer
  stored?: boolean
  size?: number
  crc?: number
  /** Unix mode in the high bits of the external attributes (made on Unix). */
  mode?: number
}

export function rawZip(entries: RawEntry[], opts: { zip64Count?: bigint } = {}): Buffer {
  const locals: Buffer[] = []
  const centrals: Buffer[] = []
  let offset = 0
  for (const e of entries) {
    const data = e.data ?? Buffer.alloc(0)
    const body = e.compressed ?? (e.stored ? data : deflateRawSync(data))
    const name = Buffer.from(e.name, 'utf8')
    const size = e.size ?? data.length
    const crc = e.crc ?? crc32(data)
    const method = e.stored ? 0 : 8
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4)
    local.writeUInt16LE(method, 8)
    local.writeUInt32LE(crc >>> 0, 14)
    local.writeUInt32LE(body.length, 18)
    local.writeUInt32LE(size, 22)
    local.writeUInt16LE(name.length, 26)
    const central = Buffer.alloc(46)
    central.writeUInt32LE(0x02014b50, 0)
    central.writeUInt16LE((3 << 8) | 20, 4)
    central.writeUInt16LE(20, 6)
    central.writeUInt16LE(method, 10)
    central.writeUInt32LE(crc >>> 0, 16)
    central.writeUInt32LE(body.length, 20)
    central.writeUInt32LE(size, 24)
    central.writeUInt16LE(name.length, 28)
    central.writeUInt32LE(((e.mode ?? 0o100644) << 16) >>> 0, 38)
    central.writeUInt32LE(offset, 42)
    locals.push(local, name, body)
    centrals.push(central, name)
    offset += 30 + name.length + body.length
  }
  const cd = Buffer.concat(centrals)
  const tail: Buffer[] = []
  if (opts.zip64Count !== undefined) {
    const rec = Buffer.alloc(56)
    rec.writeUInt32LE(0x06064b50, 0)
    rec.writeBigUInt64LE(44n, 4)
    rec.writeBigUInt64LE(opts.zip64Count, 24)
    rec.writeBigUInt64LE(opts.zip64Count, 32)
    rec.writeBigUInt64LE(BigInt(cd.length), 40)
    rec.writeBigUInt64LE(BigInt(offset), 48)
    const loc = Buffer.alloc(20)
    loc.writeUInt32LE(0x07064b50, 0)
    loc.writeBigUInt64LE(BigInt(offset + cd.length), 8)
    loc.writeUInt32LE(1, 16)
    tail.push(rec, loc)
  }
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  const n = opts.zip64Count !== undefined ? 0xffff : entries.length
  end.writeUInt16LE(n, 8)
  end.writeUInt16LE(n, 10)
  end.writeUInt32LE(cd.length, 12)
  end.writeUInt32LE(opts.zip64Count !== undefined ? 0xffffffff : offset, 16)
  return Buffer.concat([...locals, cd, ...tail, end])
}

const PROJECT = Buffer.from('properties:\n  name: Evil\n  type: DATA_PIPELINE\n')

/** The hostile archives of the threat model, each with what its refusal must name. */
export function hostileZips(): Array<{ name: string; zip: Buffer; says: RegExp }> {
  const zeros = Buffer.alloc(64 * 1024 * 1024)
  const bomb = deflateRawSync(zeros, { level: 9 })
  const zeroCrc = crc32(zeros)
  const base = { name: 'qtcp_project.yaml', data: PROJECT }
  return [
    {
      name: 'a bomb with honest headers (4 x 64 MB of zeros)',
      zip: rawZip([
        base,
        ...[1, 2, 3, 4].map((i) => ({
          name: `qtcp_tasks/t${i}/model.yaml`,
          compressed: bomb,
          size: zeros.length,
          crc: zeroCrc
        }))
      ]),
      says: /inflates \d+ times|more than 200 MB/
    },
    {
      name: 'a bomb whose header says 1,000 bytes',
      zip: rawZip([
        base,
        { name: 'qtcp_tasks/t/model.yaml', compressed: bomb, size: 1000, crc: 0 }
      ]),
      says: /'qtcp_tasks\/t\/model\.yaml' inflates past the 1000 bytes/
    },
    {
      name: 'a ZIP64 record claiming 2^32 entries',
      zip: rawZip([base], { zip64Count: 2n ** 32n }),
      says: /declares 4294967296 entries/
    },
    {
      name: 'an entry that climbs out',
      zip: rawZip([base, { name: '../../evil.txt', data: Buffer.from('x') }]),
      says: /'\.\.\/\.\.\/evil\.txt' is not a safe path/
    },
    {
      name: 'an absolute entry',
      zip: rawZip([base, { name: '/etc/cron.d/x', data: Buffer.from('x') }]),
      says: /'\/etc\/cron\.d\/x' is not a safe path \(it is an absolute path\)/
    },
    {
      name: 'a duplicate entry',
      zip: rawZip([base, { ...base, data: Buffer.from('properties: {}\n') }]),
      says: /'qtcp_project\.yaml' appears twice/
    },
    {
      name: 'a symlink entry',
      zip: rawZip([
        base,
        { name: 'qtcp_tasks/t/task.yaml', data: Buffer.from('/etc/passwd'), mode: 0o120777 }
      ]),
      says: /'qtcp_tasks\/t\/task\.yaml' is a symbolic link/
    },
    {
      name: 'a name that carries a workflow command',
      zip: rawZip([base, { name: 'README\n::warning title=X::pwned', data: Buffer.from('x') }]),
      says: /'README\\n::warning title=X::pwned' is not a safe path \(it holds a control character\)/
    }
  ]
}

/** Nine levels of ten aliases: a billion nodes for whoever walks the value, padded to `padTo`. */
export function aliasBomb(padTo = 0): string {
  const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]']
  for (let i = 1; i < 9; i++)
    lines.push(`a${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(', ')}]`)
  let text = `${lines.join('\n')}\n`
  if (padTo > text.length) text += `pad: "${'p'.repeat(padTo - text.length)}"\n`
  return text
}
