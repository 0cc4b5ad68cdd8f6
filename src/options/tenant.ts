import { isLinkLocal } from '../qlik/address-guard.js'
import { isIP } from 'node:net'
import type { TenantAuth } from '../qlik/auth.js'
import { SigningKeyError, signingKey } from '../qlik/jwt.js'
import { show } from './fields.js'

/** A tenant and how to authenticate to it, from its six inputs (`source-*` or `target-*`). */

export interface TenantOptions {
  /** Base URL without trailing slash, e.g. https://acme.eu.qlikcloud.com */
  url: string
  host: string
  auth: TenantAuth
}

export type Side = 'source' | 'target'

/** The inputs of one side, by their names without the side (`tenant`, `api-key`, ...). */
export type TenantInputs = (
  name: 'tenant' | 'api-key' | 'client-id' | 'client-secret' | 'private-key' | 'key-id'
) => string

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase()
  if (h === 'localhost' || h.endsWith('.localhost')) return true
  if (isIP(h) === 4) return h.startsWith('127.')
  if (isIP(h) === 6) return h === '::1'
  return false
}

/** Parse a tenant given as URL or host name; https is required except on loopback addresses. */
export function parseTenantUrl(input: string, value: string): { url: string; host: string } {
  const text = value.trim()
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`
  let u: URL
  try {
    u = new URL(withScheme)
  } catch {
    throw new Error(
      `Input '${input}' is not a URL or host name: ${show(value)}. Example: https://acme.eu.qlikcloud.com`
    )
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') {
    throw new Error(`Input '${input}' must be an https:// URL, got ${show(value)}.`)
  }
  if (!u.hostname || /\s/.test(text)) {
    throw new Error(
      `Input '${input}' is not a URL or host name: ${show(value)}. Example: https://acme.eu.qlikcloud.com`
    )
  }
  if (u.hostname.length > 253 || u.hostname.split('.').some((label) => label.length > 63)) {
    throw new Error(
      `Input '${input}' has a host name of ${u.hostname.length} characters: host names are at most 253 characters, 63 per dot-separated part.`
    )
  }
  if (isLinkLocal(u.hostname)) {
    throw new Error(
      `Input '${input}' points at ${u.hostname}, a link-local address (the cloud metadata service), never a Qlik tenant. Example: https://acme.eu.qlikcloud.com`
    )
  }
  if (u.protocol === 'http:' && !isLoopback(u.hostname)) {
    throw new Error(
      `Input '${input}' uses http:// for ${u.hostname}; Qlik Cloud needs https:// (http is allowed only for localhost / 127.0.0.1, e.g. the simulator).`
    )
  }
  if (u.pathname !== '/' && u.pathname !== '') {
    throw new Error(
      `Input '${input}' must be the tenant's base URL without a path (got path "${u.pathname}"). Example: https://acme.eu.qlikcloud.com`
    )
  }
  if (u.username || u.password || u.search || u.hash) {
    throw new Error(`Input '${input}' must not carry credentials, a query or a fragment.`)
  }
  return { url: `${u.protocol}//${u.host}`, host: u.host }
}

/**
 * The tenant of one side, with exactly one way to authenticate (API key, OAuth client secret, or
 * private key JWT); each problem names the input. Undefined when something is wrong.
 */
export function tenantOptions(
  side: Side,
  mode: string,
  input: TenantInputs,
  fail: (problem: string) => void
): TenantOptions | undefined {
  const get = (name: string): string =>
    input(name.slice(side.length + 1) as Parameters<TenantInputs>[0])
  const url = get(`${side}-tenant`)
  const apiKey = get(`${side}-api-key`)
  const clientId = get(`${side}-client-id`)
  const clientSecret = get(`${side}-client-secret`)
  const privateKey = get(`${side}-private-key`)
  const keyId = get(`${side}-key-id`)
  if (url === '') {
    fail(`Input '${side}-tenant' is required for mode '${mode}' (the ${side} tenant URL).`)
    return undefined
  }
  let parsed: { url: string; host: string }
  try {
    parsed = parseTenantUrl(`${side}-tenant`, url)
  } catch (e) {
    fail((e as Error).message)
    return undefined
  }
  if (apiKey !== '' && (clientId !== '' || clientSecret !== '' || privateKey !== '')) {
    fail(
      `Inputs '${side}-api-key' and '${side}-client-id'/'${side}-client-secret' are both set: give one way to authenticate to the ${side} tenant.`
    )
    return undefined
  }
  if (apiKey !== '') return { ...parsed, auth: { kind: 'api-key', apiKey } }
  if (privateKey !== '') {
    if (clientSecret !== '') {
      fail(
        `Inputs '${side}-client-secret' and '${side}-private-key' are both set: an OAuth client authenticates with one of them.`
      )
      return undefined
    }
    const missing = [
      ...(clientId === '' ? [`'${side}-client-id' (the OAuth client the key belongs to)`] : []),
      ...(keyId === '' ? [`'${side}-key-id' (the kid Qlik requires in the JWT header)`] : [])
    ]
    if (missing.length > 0) {
      fail(`Input '${side}-private-key' needs ${missing.join(' and ')}.`)
      return undefined
    }
    try {
      signingKey(privateKey)
    } catch (e) {
      if (!(e instanceof SigningKeyError)) throw e
      fail(`Input '${side}-private-key' ${e.message}.`)
      return undefined
    }
    return { ...parsed, auth: { kind: 'oauth-jwt', clientId, privateKey, keyId } }
  }
  if (clientId !== '' && clientSecret !== '')
    return { ...parsed, auth: { kind: 'oauth', clientId, clientSecret } }
  if (clientId !== '' || clientSecret !== '') {
    fail(
      `Input '${side}-${clientId === '' ? 'client-id' : 'client-secret'}' is missing: OAuth needs both ${side}-client-id and ${side}-client-secret.`
    )
    return undefined
  }
  fail(
    `No credential for the ${side} tenant: set '${side}-api-key', or '${side}-client-id' with '${side}-client-secret' (or '${side}-private-key' and '${side}-key-id').`
  )
  return undefined
}
