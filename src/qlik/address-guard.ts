import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns'
import { isIP } from 'node:net'

/**
 * A tenant is never a link-local address: 169.254.0.0/16 and fe80::/10 are where cloud runners
 * answer with their metadata service (credentials of the machine), so a tenant URL that points there,
 * in any spelling (`https://2852039166`, `0xa9fea9fe`, `[::ffff:169.254.169.254]`: the URL parser
 * gives them all as one address), or a host name that resolves there, is refused before a
 * connection is made.
 */
export function isLinkLocal(address: string): boolean {
  const a = address.replace(/^\[|\]$/g, '').toLowerCase()
  if (isIP(a) === 4) return a.startsWith('169.254.')
  if (isIP(a) !== 6) return false
  // IPv4-mapped (::ffff:169.254.1.1, or as the URL parser writes it, ::ffff:a9fe:101)
  const mapped = /^(?:0{0,4}:){0,5}:?ffff:(.+)$/.exec(a)?.[1]
  if (mapped) {
    if (isIP(mapped) === 4) return mapped.startsWith('169.254.')
    if (/^a9fe:[0-9a-f]{1,4}$/.test(mapped)) return true
  }
  const first = parseInt(a.split(':')[0] || '0', 16)
  return (first & 0xffc0) === 0xfe80
}

export class LinkLocalError extends Error {
  readonly code = 'ELINKLOCAL'
  constructor(host: string, address: string) {
    super(
      `${host} resolves to ${address}, a link-local address (a cloud metadata service, never a Qlik tenant); refusing to connect`
    )
    this.name = 'LinkLocalError'
  }
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number
) => void

/** dns.lookup for the HTTP client's connections: an answer that is link-local is an error. */
export function guardedLookup(
  hostname: string,
  options: LookupOptions,
  callback: LookupCallback
): void {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, '')
    const list = addresses as LookupAddress[]
    const bad = list.find((a) => isLinkLocal(a.address))
    if (bad) return callback(new LinkLocalError(hostname, bad.address) as never, '')
    if (options.all) return callback(null, list)
    const first = list[0] as LookupAddress
    return callback(null, first.address, first.family)
  })
}
