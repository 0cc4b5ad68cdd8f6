import { load } from 'js-yaml'
import { loadInBatches } from '../../src/package/yaml-batches.js'

/** Batches (cut every few characters here) read to exactly what one js-yaml call reads. */
describe('a large YAML file read in batches', () => {
  const same = (text: string): void => {
    for (const size of [1, 40, 200, 100_000]) expect(loadInBatches(text, size)).toEqual(load(text))
  }

  it('reads a model of relationships as one call does', () => {
    const items = Array.from(
      { length: 60 },
      (_, i) =>
        `  - id: rel-${i}\n    name: 'orders ${i}'\n    sourceEntity:\n      datasetId: orders\n    columnRelationships:\n      - sourceColumn: a\n        targetColumn: b\n`
    )
    same(`# a comment\nrelationships:\n${items.join('')}other: 1\n`)
  })

  it('reads sequences at column 0, comments between items, block scalars and nested lists', () => {
    same(
      [
        'first: {a: 1, b: [1, 2]}',
        'items:',
        '# before the first item',
        '- name: a',
        '  text: |',
        '    - not an item',
        '    second line',
        '',
        '# between items',
        '- name: b',
        '  list:',
        '  - x',
        '  - y',
        '-',
        '- plain',
        'last: "x"',
        ''
      ].join('\n')
    )
  })

  it('leaves to one call what it cannot cut: anchors across batches, duplicate keys, markers', () => {
    const anchored = 'items:\n  - &a {x: 1}\n  - other\n  - *a\n'
    expect(loadInBatches(anchored, 1)).toBeUndefined()
    expect(loadInBatches('a: 1\nb: 2\na: 3\n', 1)).toBeUndefined()
    expect(loadInBatches('---\na: 1\n', 1)).toBeUndefined()
    expect(loadInBatches('a: [1,\n2]\n', 1)).toBeUndefined()
    expect(loadInBatches('__proto__: 1\n', 1)).toBeUndefined()
    expect(loadInBatches('items:\n  - a\n  - [b\n', 1)).toBeUndefined()
  })
})
