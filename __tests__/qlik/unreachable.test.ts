import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { QlikClient } from '../../src/qlik/client.js'

/** A tenant that cannot be reached fails within seconds, saying what to check. */

async function call(baseUrl: string): Promise<{ error: string; ms: number; retries: number }> {
  const warnings: string[] = []
  const client = new QlikClient({
    tenant: 'target',
    baseUrl,
    auth: { kind: 'api-key', apiKey: 'k-0000000000' },
    logger: { debug: () => {}, warning: (m) => warnings.push(m) },
    // real sleeps: the time to fail is what is measured
    random: () => 0.5
  })
  const t0 = Date.now()
  try {
    await client.request({ method: 'GET', path: '/api/v1/spaces', idempotent: true })
    return { error: '', ms: Date.now() - t0, retries: warnings.length }
  } catch (e) {
    return { error: (e as Error).message, ms: Date.now() - t0, retries: warnings.length }
  } finally {
    await client.close()
  }
}

describe('an unreachable tenant', () => {
  it('a host name that does not resolve fails at once, naming the host and the input', async () => {
    const r = await call('https://acme-prod.no-such-tenant.invalid')
    expect(r.error).toMatch(
      /^Cannot reach the target tenant acme-prod\.no-such-tenant\.invalid \(GET \/api\/v1\/spaces\): the host name acme-prod\.no-such-tenant\.invalid does not resolve \((ENOTFOUND|EAI_AGAIN)\)\. Check the tenant host name \(input 'target-tenant'/
    )
    expect(r.ms).toBeLessThan(5000)
  })

  it('a port where nothing listens: one retry, then what to check', async () => {
    const s = createServer()
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
    const port = (s.address() as AddressInfo).port
    await new Promise<void>((r) => s.close(() => r()))
    const r = await call(`http://127.0.0.1:${port}`)
    expect(r.error).toContain(`nothing answers at 127.0.0.1:${port} (ECONNREFUSED)`)
    expect(r.retries).toBe(1)
    expect(r.ms).toBeLessThan(5000)
  })

  it('https:// to a server that speaks plain HTTP says which scheme to use', async () => {
    const s = createServer((_q, res) => res.end('{}'))
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
    const port = (s.address() as AddressInfo).port
    try {
      const r = await call(`https://127.0.0.1:${port}`)
      expect(r.error).toContain('it answered in plain HTTP to an https:// request')
      expect(r.error).toContain(`Use http://127.0.0.1:${port} in input 'target-tenant'`)
      expect(r.retries).toBe(0)
    } finally {
      await new Promise<void>((r) => s.close(() => r()))
    }
  })
})
