/** Link-local addresses (the cloud metadata service) are never a tenant, in any spelling. */
import { guardedLookup, isLinkLocal } from '../../src/qlik/address-guard.js'
import { parseTenantUrl } from '../../src/options/tenant.js'

it.each([
  'https://169.254.169.254',
  'https://2852039166',
  'https://0xa9fea9fe',
  'https://0251.0376.0251.0376',
  'https://169.254.43518',
  '169.254.169.254',
  'https://[fe80::1]',
  'https://[FE9F::abcd]',
  'https://[::ffff:169.254.169.254]'
])('%s is refused as a tenant, naming the input', (value) => {
  expect(() => parseTenantUrl('target-tenant', value)).toThrow(
    /^Input 'target-tenant' points at .*a link-local address \(the cloud metadata service\)/
  )
})

it('other addresses are not link-local', () => {
  for (const a of ['127.0.0.1', '10.0.0.1', '169.253.1.1', '::1', 'fec0::1', '2001:db8::1'])
    expect(isLinkLocal(a)).toBe(false)
  expect(parseTenantUrl('source-tenant', 'acme.eu.qlikcloud.com').host).toBe(
    'acme.eu.qlikcloud.com'
  )
})

it('a host name that resolves to a link-local address is refused at connect time', async () => {
  // *.localhost resolves to loopback: allowed; the refusal is checked on what lookup answered
  const ok = await new Promise<string>((resolve, reject) =>
    guardedLookup('localhost', {}, (err, address) => (err ? reject(err) : resolve(String(address))))
  )
  expect(['127.0.0.1', '::1']).toContain(ok)
  const err = await new Promise<Error | null>((resolve) =>
    guardedLookup('169.254.169.254', {}, (e) => resolve(e))
  )
  expect(err?.message).toMatch(
    /169\.254\.169\.254 resolves to 169\.254\.169\.254, a link-local address/
  )
  expect((err as { code?: string }).code).toBe('ELINKLOCAL')
})
