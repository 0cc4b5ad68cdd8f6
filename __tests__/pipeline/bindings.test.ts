import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'
import {
  bindingsFileSchema,
  bindingsJsonSchema,
  loadBindingsInput,
  loadBindingsInputs,
  mergeBindings
} from '../../src/pipeline/bindings.js'
import { unresolvedConnections } from '../../src/pipeline/steps/bindings.js'

describe('bindings input', () => {
  it('reads inline YAML, JSON, a variables: wrapper, and files; expands ${ENV}', () => {
    expect(loadBindingsInput('a: "x-${E}"\nb: null\nc: 3', { E: 'env' }).values).toEqual({
      a: 'x-env',
      b: null,
      c: '3'
    })
    expect(loadBindingsInput('{"variables": {"a": "1"}}', {}).values).toEqual({ a: '1' })
    const dir = mkdtempSync(join(tmpdir(), 'qdp-b-'))
    writeFileSync(join(dir, 'prod.json'), '{"a": "${E}"}')
    expect(loadBindingsInput('prod.json', { E: 'v' }, dir)).toEqual({
      values: { a: 'v' },
      source: 'prod.json',
      // what came from the environment, and as what: kept out of artifacts (secrets.ts)
      templates: { a: '${E}' },
      sensitive: ['v']
    })
    expect(loadBindingsInput('', {}).values).toEqual({})
  })

  it('names the problem: missing file, bad YAML, bad values, unset variables', () => {
    expect(() => loadBindingsInput('nope.yaml', {}, '/tmp')).toThrow(
      "Input 'bindings' names a file that does not exist: nope.yaml"
    )
    expect(() => loadBindingsInput('a: [x', {})).toThrow(
      "Input 'bindings' (inline) is not valid YAML/JSON"
    )
    expect(() => loadBindingsInput('- a\n- b', {})).toThrow(
      'must be a mapping of variable names to values'
    )
    expect(() => loadBindingsInput('good: x\nbad: { nested: 1 }', {})).toThrow(
      "the value of 'bad' must be a string, number, boolean or null"
    )
    expect(() => loadBindingsInput('a: ${ONE}\nb: ${TWO}', { ONE: '1' })).toThrow(
      "environment variables that are not set: TWO (in 'b')"
    )
  })

  it('lays the inline bindings over the environment file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qdp-bf-'))
    writeFileSync(join(dir, 'prod.yaml'), 'a: from-file\nb: file-${E}\n')
    expect(loadBindingsInputs('prod.yaml', 'a: inline', { E: 'x' }, dir)).toEqual({
      values: { a: 'inline', b: 'file-x' },
      source: 'prod.yaml + inline',
      templates: { b: 'file-${E}' },
      sensitive: ['x']
    })
    // a variable the overlay gives drops the file's placeholder for it
    writeFileSync(join(dir, 'secret.yaml'), 'a: ${E}\n')
    expect(loadBindingsInputs('secret.yaml', 'a: plain', { E: 'x' }, dir).templates).toEqual({})
    expect(loadBindingsInputs('prod.yaml', '', { E: 'x' }, dir).source).toBe('prod.yaml')
    expect(() => loadBindingsInputs('prod.txt', '', {}, dir)).toThrow(
      "Input 'bindings-file' must be a .yaml, .yml or .json file"
    )
    expect(() => loadBindingsInputs('missing.yaml', '', {}, dir)).toThrow(
      "Input 'bindings-file' names a file that does not exist"
    )
  })

  it('merges over the current values and reports missing, unknown, changed and added', () => {
    const m = mergeBindings({ a: '1', b: '2', d: '' }, { b: '3', c: '4', x: '5' }, [
      'a',
      'b',
      'c',
      'd',
      'e'
    ])
    expect(m.values).toEqual({ a: '1', b: '3', c: '4', d: '', x: '5' })
    expect(m).toMatchObject({
      missing: ['d', 'e'],
      unknown: ['x'],
      changed: ['b'],
      added: ['c', 'x']
    })
  })

  it('finds connection expressions the tenant could not resolve', () => {
    const expr = '{{id(connection, S.c)}}'
    expect(
      unresolvedConnections(
        { a: expr, b: '{{id(connection, S.d)}}', c: 'plain', d: null },
        { [expr]: 'id1' }
      )
    ).toEqual([{ variable: 'b', expression: '{{id(connection, S.d)}}' }])
  })
})

describe('bindings JSON Schema', () => {
  it('is the committed schemas/bindings.schema.json (run npm run generate after changing it)', () => {
    const committed = JSON.parse(
      readFileSync(new URL('../../schemas/bindings.schema.json', import.meta.url), 'utf8')
    )
    expect(committed).toEqual(bindingsJsonSchema())
  })
  it('accepts the example bindings file and refuses nested values', () => {
    const example = parse(
      readFileSync(new URL('../../examples/bindings/prod.yaml', import.meta.url), 'utf8')
    )
    expect(bindingsFileSchema.safeParse(example).success).toBe(true)
    expect(bindingsFileSchema.safeParse({ a: { b: 1 } }).success).toBe(false)
    expect(bindingsFileSchema.safeParse({ variables: { a: 'x' } }).success).toBe(true)
  })
})
