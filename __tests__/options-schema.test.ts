import { describe, expect, it } from '@jest/globals'
import { OPTION_SPECS, parseOptions } from '../src/options.js'
import { RULES } from '../src/options/rules.js'
import { keyOf } from '../src/options/schema.js'

const base = {
  'source-tenant': 'acme-dev.eu.qlikcloud.com',
  'source-api-key': 'k1-secret',
  'source-project': 'Sales pipeline',
  'target-tenant': 'https://acme-prod.eu.qlikcloud.com/',
  'target-client-id': 'id',
  'target-client-secret': 'secret-2',
  'target-space': 'PROD_PIPELINES'
}

describe('options from their schema', () => {
  it('every non-tenant input is a field of Options under its camelCase name, with its default applied', () => {
    const o = parseOptions(base) as unknown as Record<string, unknown>
    for (const spec of OPTION_SPECS) {
      const key = keyOf(spec.name)
      if (
        /^(source|target)-(tenant|api-key|client-id|client-secret|private-key|key-id)$/.test(
          spec.name
        )
      )
        expect(o).not.toHaveProperty(key)
      else expect(Object.keys(o)).toContain(key)
    }
    expect(o.pollIntervalSeconds).toBe(2)
    expect(o.runHealthySeconds).toBe(30)
    expect(o.retentionDays).toBeUndefined()
  })

  it('secrets live only in the tenants they authenticate to', () => {
    const o = parseOptions(base)
    const { source, target, ...rest } = o
    expect(JSON.stringify(rest)).not.toMatch(/k1-secret|secret-2/)
    expect(source?.auth).toEqual({ kind: 'api-key', apiKey: 'k1-secret' })
    expect(target?.auth).toEqual({ kind: 'oauth', clientId: 'id', clientSecret: 'secret-2' })
  })

  it('the rules across inputs have distinct names', () => {
    expect(new Set(RULES.map((r) => r.name)).size).toBe(RULES.length)
  })

  it('a refused field counts as its default for the rules, so only its own problem is listed', () => {
    expect(() => parseOptions({ ...base, validate: 'maybe', 'run-tasks': 'all' })).toThrow(
      /^Input 'validate' must be true or false, got "maybe"\.$/
    )
  })

  it('limits and multi-line flags come from each field', () => {
    const bindings = OPTION_SPECS.find((s) => s.name === 'bindings')
    expect(bindings).toMatchObject({ maxLength: 1_000_000, multiline: true, untrimmed: true })
    expect(OPTION_SPECS.find((s) => s.name === 'target-tenant')?.maxLength).toBe(300)
    expect(() => parseOptions({ ...base, 'target-space': 'a\nb' })).toThrow(
      /this input is one line/
    )
    expect(parseOptions({ ...base, 'trigger-tasks': 'a\nb' }).triggerTasks).toEqual(['a', 'b'])
  })
})
