import { createPrivateKey, randomUUID, sign, type KeyObject } from 'node:crypto'

/**
 * OAuth client authentication with a private key JWT (qlik.dev "Private Key JWT reference"): instead
 * of a client secret, each token request carries a short-lived assertion signed with the client's
 * private key. Header {alg, kid, typ}; claims iss = sub = client id, aud = the tenant's token URL (no
 * trailing slash), a fresh jti (UUID), iat, exp at most 5 minutes later. RS256 (RSA >= 2048 bits) or
 * ES384 (EC P-384), the algorithms Qlik accepts that match the key.
 */

export const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
/** Lifetime of one assertion: well under Qlik's 5-minute maximum. */
export const ASSERTION_SECONDS = 60

export interface SigningKey {
  key: KeyObject
  alg: 'RS256' | 'ES384'
}

export class SigningKeyError extends Error {
  override readonly name = 'SigningKeyError'
}

/** Load a PEM private key and pick its algorithm; refuse keys Qlik would refuse. */
export function signingKey(pem: string): SigningKey {
  let key: KeyObject
  try {
    key = createPrivateKey({ key: pem.replace(/\\n/g, '\n'), format: 'pem' })
  } catch (e) {
    throw new SigningKeyError(
      `is not a PEM private key (${(e as Error).message.split('\n')[0]}); give the whole -----BEGIN ... PRIVATE KEY----- block`
    )
  }
  const d = key.asymmetricKeyDetails ?? {}
  if (key.asymmetricKeyType === 'rsa') {
    if ((d.modulusLength ?? 0) < 2048)
      throw new SigningKeyError(
        `is a ${d.modulusLength ?? '?'}-bit RSA key; Qlik needs at least 2048 bits`
      )
    return { key, alg: 'RS256' }
  }
  if (key.asymmetricKeyType === 'ec' && d.namedCurve === 'secp384r1') return { key, alg: 'ES384' }
  throw new SigningKeyError(
    `is a ${key.asymmetricKeyType ?? 'unknown'}${d.namedCurve ? ` ${d.namedCurve}` : ''} key; Qlik accepts RSA (RS256, at least 2048 bits) or EC P-384 (ES384)`
  )
}

const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url')

/** One signed client assertion for one token request. */
export function clientAssertion(opts: {
  clientId: string
  keyId: string
  key: SigningKey
  audience: string
  nowMs: number
}): string {
  const iat = Math.floor(opts.nowMs / 1000)
  const header = { alg: opts.key.alg, kid: opts.keyId, typ: 'JWT' }
  const claims = {
    iss: opts.clientId,
    sub: opts.clientId,
    aud: opts.audience.replace(/\/+$/, ''),
    jti: randomUUID(),
    iat,
    exp: iat + ASSERTION_SECONDS
  }
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`
  const signature =
    opts.key.alg === 'RS256'
      ? sign('sha256', Buffer.from(input), opts.key.key)
      : sign('sha384', Buffer.from(input), { key: opts.key.key, dsaEncoding: 'ieee-p1363' })
  return `${input}.${b64url(signature)}`
}
