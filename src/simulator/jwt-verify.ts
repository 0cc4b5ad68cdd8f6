import { createPublicKey, verify } from 'node:crypto'
import type { Credential } from './state.js'

/**
 * The token endpoint's check of a private key JWT client assertion, as qlik.dev's reference
 * describes it: assertion type, alg matching the registered key (RS256/RS512/ES384), kid, signature,
 * iss = sub = client id, aud = the token URL, exp in the future and at most 5 minutes after iat, and a
 * jti never seen before. Returns what is wrong, or undefined.
 */
// eslint-disable-next-line max-params -- issue 33: to take one named object (known when the rule came in)
export function verifyAssertion(
  body: { client_id: string; client_assertion_type?: string; client_assertion?: string },
  client: Credential,
  tokenUrl: string,
  nowMs: number,
  usedJti: Set<string>
): string | undefined {
  if (body.client_assertion_type !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
    return 'client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
  const parts = (body.client_assertion ?? '').split('.')
  if (parts.length !== 3) return 'client_assertion is not a compact JWT'
  let header: Record<string, unknown>
  let claims: Record<string, unknown>
  try {
    header = JSON.parse(Buffer.from(parts[0] as string, 'base64url').toString('utf8'))
    claims = JSON.parse(Buffer.from(parts[1] as string, 'base64url').toString('utf8'))
  } catch {
    return 'the JWT header or claims are not JSON'
  }
  const key = createPublicKey(client.publicKey as string)
  const alg = String(header.alg)
  const allowed = key.asymmetricKeyType === 'rsa' ? ['RS256', 'RS512'] : ['ES384']
  if (!allowed.includes(alg))
    return `alg ${alg} does not match the registered ${key.asymmetricKeyType} key`
  if (header.kid !== client.keyId) return `unknown kid ${String(header.kid)}`
  const input = Buffer.from(`${parts[0]}.${parts[1]}`)
  const signature = Buffer.from(parts[2] as string, 'base64url')
  const ok =
    alg === 'ES384'
      ? verify('sha384', input, { key, dsaEncoding: 'ieee-p1363' }, signature)
      : verify(alg === 'RS512' ? 'sha512' : 'sha256', input, key, signature)
  if (!ok) return 'the signature does not verify with the registered public key'
  if (claims.iss !== body.client_id || claims.sub !== body.client_id)
    return 'iss and sub must both be the client id'
  if (claims.aud !== tokenUrl) return `aud must be ${tokenUrl}`
  const iat = Number(claims.iat)
  const exp = Number(claims.exp)
  if (!Number.isFinite(iat) || !Number.isFinite(exp)) return 'iat and exp are required'
  if (exp - iat > 300) return 'exp may be at most 5 minutes after iat'
  if (exp * 1000 <= nowMs) return 'the assertion has expired'
  if (typeof claims.jti !== 'string' || claims.jti === '') return 'jti is required'
  if (usedJti.has(claims.jti)) return `jti ${claims.jti} was already used`
  usedJti.add(claims.jti)
  return undefined
}
