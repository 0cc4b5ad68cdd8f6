import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml'
import { checkYamlValue } from './bounds.js'

/**
 * YAML of a file a user or a pull request wrote (bindings, projects file), read in linear time and
 * bounded: the yaml package's own duplicate-key check compares every key with every other (20,000
 * names: 6 s; 100,000: minutes), so keys are checked here with a set per mapping instead; aliases
 * and depth are held to the limits every package file is held to (bounds.ts).
 */
export function parseYamlBounded(text: string): unknown {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { uniqueKeys: false, lineCounter })
  if (doc.errors.length > 0) throw doc.errors[0]
  const stack: unknown[] = [doc.contents]
  while (stack.length) {
    const node = stack.pop()
    if (isMap(node)) {
      const seen = new Set<unknown>()
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? pair.key.value : pair.key
        if (seen.has(key)) {
          const at = (pair.key as YamlNode | null)?.range?.[0]
          const line = at === undefined ? '' : ` at line ${lineCounter.linePos(at).line}`
          throw new Error(`Map keys must be unique: '${String(key)}' appears twice${line}`)
        }
        seen.add(key)
        stack.push(pair.value)
      }
    } else if (isSeq(node)) stack.push(...node.items)
  }
  const value: unknown = doc.toJS()
  checkYamlValue(value)
  return value
}
