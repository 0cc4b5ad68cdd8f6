import { strToU8 } from 'fflate'
import { LARGE_FILE, parseFile } from '../../src/package/files.js'
import type { Problem } from '../../src/package/format.js'

/** Files over LARGE_FILE are read to plain values with js-yaml (memory); problems still name them. */
describe('a large YAML file', () => {
  const big = (tail = ''): Uint8Array => {
    const lines = ['relationships:']
    // the length counted as it grows (joining every turn made this builder quadratic: a minute)
    let length = lines[0]!.length
    for (let i = 0; length < LARGE_FILE + 1000; i++) {
      const rel = [
        `  - id: rel-${i}`,
        `    name: orders_customers_${i}`,
        `    description: '${'x'.repeat(40)}'`
      ]
      lines.push(...rel)
      length += rel.reduce((n, l) => n + l.length + 1, 0)
    }
    return strToU8(lines.join('\n') + '\n' + tail)
  }

  it('is read to the same values', () => {
    const problems: Problem[] = []
    const parsed = parseFile({ 'model.yaml': big() }, 'model.yaml', problems)
    expect(problems).toEqual([])
    const rels = (parsed.doc as { relationships: Array<{ id: string }> }).relationships
    expect(rels[0]).toEqual({
      id: 'rel-0',
      name: 'orders_customers_0',
      description: 'x'.repeat(40)
    })
    expect(rels.length).toBeGreaterThan(9000)
  })

  it('that does not parse is an error with its line', () => {
    const problems: Problem[] = []
    const data = big('broken: [x\n')
    parseFile({ 'model.yaml': data }, 'model.yaml', problems)
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatchObject({ level: 'ERROR', file: 'model.yaml' })
    expect(problems[0]!.message).toMatch(/^is not valid YAML/)
    expect(problems[0]!.line).toBeGreaterThan(27_000)
  })
})
