import { ASSERTION_TYPE, clientAssertion, signingKey, type SigningKey } from './jwt.js'

/**
 * One token source per kind of credential: an API key (sent as it is; a 401 means the key itself
 * was refused), an OAuth client secret and an OAuth private key JWT (a token asked for at
 * `/oauth/token`, cached, renewed before it expires and fetched anew after a 401, once).
 */

/** How the client authenticates to one tenant. */
export interface TenantAuth {
  /** api-key; oauth: client id + secret; oauth-jwt: client id + private key JWT (key id = kid). */
  kind: 'api-key' | 'oauth' | 'oauth-jwt'
  apiKey?: string
  clientId?: string
  clientSecret?: string
  /** PEM private key (oauth-jwt). */
  privateKey?: string
  keyId?: string
}

/** What a token request answers (the client checks the shape). */
export interface TokenAnswer {
  token: string
  /** Seconds the token lives. */
  ttl: number
}

export interface TokenSource {
  /** The bearer value; `renew`: a new one, the last was refused (401). */
  token(renew: boolean): Promise<string>
  /** A 401 can be answered by fetching a new token (an API key cannot be renewed). */
  readonly renewable: boolean
  /** What to check when the tenant refused the bearer value (after renewing it, if it could). */
  readonly refused: string
  /** What to check when the tenant refused the token request itself. */
  readonly tokenRefused: string
}

export interface TokenDeps {
  baseUrl: string
  now: () => number
  /** POST /oauth/token with this JSON body, built afresh for each attempt. */
  requestToken: (body: () => Record<string, unknown>) => Promise<TokenAnswer>
  /** Every token obtained, to mask it. */
  onSecret?: (secret: string) => void
}

class ApiKeySource implements TokenSource {
  readonly renewable = false
  readonly refused =
    'The API key was refused: check that it belongs to this tenant, has not expired and was not revoked.'
  readonly tokenRefused = ''
  constructor(private readonly key: string) {}
  async token(): Promise<string> {
    return this.key
  }
}

/** OAuth machine-to-machine: the token cached, renewed early, fetched once at a time. */
class OAuthSource implements TokenSource {
  readonly renewable = true
  readonly refused: string
  private cached?: { value: string; refreshAt: number }
  private pending?: Promise<string>

  constructor(
    private readonly deps: TokenDeps,
    private readonly body: () => Record<string, unknown>,
    readonly tokenRefused: string
  ) {
    this.refused = `A new access token was refused too: ${tokenRefused.replace(/^Check/, 'check')}`
  }

  async token(renew: boolean): Promise<string> {
    if (!renew && this.cached && this.deps.now() < this.cached.refreshAt) return this.cached.value
    this.pending ??= this.fetch().finally(() => {
      this.pending = undefined
    })
    return this.pending
  }

  private async fetch(): Promise<string> {
    const { token, ttl } = await this.deps.requestToken(this.body)
    this.deps.onSecret?.(token)
    // Refresh well before expiry: five minutes early, or halfway for short-lived tokens.
    const margin = Math.min(300, ttl / 2)
    this.cached = { value: token, refreshAt: this.deps.now() + (ttl - margin) * 1000 }
    return token
  }
}

export function tokenSource(auth: TenantAuth, deps: TokenDeps): TokenSource {
  switch (auth.kind) {
    case 'api-key':
      return new ApiKeySource(auth.apiKey as string)
    case 'oauth':
      return new OAuthSource(
        deps,
        () => ({
          client_id: auth.clientId,
          client_secret: auth.clientSecret,
          grant_type: 'client_credentials'
        }),
        'Check the OAuth client id and secret for this tenant (Administration > OAuth, machine-to-machine client).'
      )
    case 'oauth-jwt': {
      let key: SigningKey | undefined
      // a JWT assertion signed afresh for each attempt (new jti, short expiry)
      return new OAuthSource(
        deps,
        () => ({
          client_id: auth.clientId,
          grant_type: 'client_credentials',
          client_assertion_type: ASSERTION_TYPE,
          client_assertion: clientAssertion({
            clientId: auth.clientId as string,
            keyId: auth.keyId as string,
            key: (key ??= signingKey(auth.privateKey as string)),
            audience: `${deps.baseUrl}/oauth/token`,
            nowMs: deps.now()
          })
        }),
        'Check the OAuth client id, the key id (kid) and that the public key of this private key is registered with the client (Administration > OAuth).'
      )
    }
  }
}
