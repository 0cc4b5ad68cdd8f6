import { z } from 'zod'
import { iso } from '../clock.js'
import { ok, route, type Route } from '../context.js'
import { badRequest, SimHttpError } from '../errors.js'
import { verifyAssertion } from '../jwt-verify.js'
import { newId } from '../state.js'

/** OAuth machine-to-machine tokens (`/oauth/token`): client secret or private key JWT. */

const tokenSchema = z.object({
  client_id: z.string().min(1),
  client_secret: z.string().min(1).optional(),
  client_assertion_type: z.string().optional(),
  client_assertion: z.string().optional(),
  grant_type: z.string(),
  scope: z.string().optional()
})

export const oauthRoutes: Route[] = [
  route(
    'POST /oauth/token',
    {
      // Tier 2, counted per client id (the route is public: no credential before the token)
      tier: 'tier2',
      write: false,
      public: true
    },
    (ctx) => {
      const type = String(ctx.headers['content-type'] ?? '')
      let raw: unknown
      if (type.includes('application/x-www-form-urlencoded')) {
        raw = Object.fromEntries(new URLSearchParams(ctx.body.toString('utf8')))
      } else {
        try {
          raw = JSON.parse(ctx.body.toString('utf8') || '{}')
        } catch {
          throw badRequest('The request body is not valid JSON.')
        }
      }
      const parsed = tokenSchema.safeParse(raw)
      if (!parsed.success) {
        throw new SimHttpError(
          400,
          'OAUTH-1',
          'invalid_request',
          'client_id, grant_type and client_secret (or client_assertion_type and client_assertion) are required.'
        )
      }
      const body = parsed.data
      ctx.core.rateLimit(ctx.tenant.name, `oauth-client:${body.client_id}`, 'tier2')
      if (body.grant_type !== 'client_credentials') {
        throw new SimHttpError(
          400,
          'OAUTH-2',
          'unsupported_grant_type',
          `Grant type '${body.grant_type}' is not supported for machine-to-machine clients; use client_credentials.`
        )
      }
      let cred
      if (body.client_assertion !== undefined || body.client_assertion_type !== undefined) {
        const client = ctx.tenant.credentials.find(
          (c) => c.kind === 'oauth-client' && c.clientId === body.client_id && c.publicKey
        )
        const problem = client
          ? verifyAssertion(
              body,
              client,
              `http://${String(ctx.headers.host)}/oauth/token`,
              ctx.now,
              ctx.core.usedJti
            )
          : 'no private key JWT client with this client_id'
        if (problem)
          throw new SimHttpError(
            401,
            'OAUTH-4',
            'invalid_client',
            `Client assertion refused: ${problem}.`
          )
        cred = client
      } else {
        cred = ctx.tenant.credentials.find(
          (c) =>
            c.kind === 'oauth-client' &&
            c.clientId === body.client_id &&
            body.client_secret !== undefined &&
            c.secret === body.client_secret
        )
      }
      if (!cred)
        throw new SimHttpError(401, 'OAUTH-3', 'invalid_client', 'Client authentication failed.')
      const token = `simtok_${newId(24)}`
      const ttl = ctx.core.config.tokenTtlSeconds
      ctx.core.tokens.set(token, {
        credential: cred,
        tenant: ctx.tenant.name,
        expiresAt: ctx.now + ttl * 1000
      })
      return ok({
        access_token: token,
        token_type: 'bearer',
        expires_in: ttl,
        expires_at: iso(ctx.now + ttl * 1000)
      })
    }
  )
]
