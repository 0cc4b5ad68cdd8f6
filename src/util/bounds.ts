/**
 * Bounds on what a file of a package (or a bindings or projects file) may make the reader do,
 * whatever the file says: its bytes must be UTF-8, and the value YAML builds from it must stay
 * within a depth and an expanded size. Aliases are what make YAML dangerous (each `*a` is a second
 * copy of a node for anyone who walks the value: nine nested levels of ten aliases are a billion
 * nodes from a kilobyte), so the expanded size is measured on the value as built, sharing counted
 * once per use, in one pass over its distinct nodes.
 */

export class BoundsError extends Error {
  override readonly name = 'BoundsError'
}

export const YAML_LIMITS = {
  /** Qlik's files nest about fifteen levels. */
  depth: 256,
  /** Nodes aliases may add to a value, beyond the distinct ones it has. */
  aliasNodes: 1_000_000
}

/** The byte offset of the first byte that is not UTF-8, or -1. */
export function invalidUtf8Offset(data: Uint8Array): number {
  let i = 0
  while (i < data.length) {
    const b = data[i] as number
    if (b < 0x80) {
      i += 1
      continue
    }
    const n =
      b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1
    if (n < 0 || i + n >= data.length + (n > 0 ? 0 : 1)) return i
    const b1 = data[i + 1] as number
    // overlong forms, surrogates and code points past U+10FFFF
    if (
      (b === 0xe0 && b1 < 0xa0) ||
      (b === 0xed && b1 > 0x9f) ||
      (b === 0xf0 && b1 < 0x90) ||
      (b === 0xf4 && b1 > 0x8f)
    )
      return i
    for (let k = 1; k <= n; k++) if (((data[i + k] as number) & 0xc0) !== 0x80) return i
    i += n + 1
  }
  return -1
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** The text of a file, or a BoundsError naming the first byte that is not UTF-8. */
export function decodeUtf8(data: Uint8Array): string {
  try {
    return utf8.decode(data)
  } catch {
    throw new BoundsError(
      `is not valid UTF-8 (byte offset ${invalidUtf8Offset(data)}); Qlik writes its files in UTF-8`
    )
  }
}

/**
 * The value a YAML parser built, held to YAML_LIMITS: a BoundsError when it nests too deep or its
 * aliases expand it by more than `aliasNodes` nodes. One pass over the distinct nodes (iterative:
 * no recursion for a deep value to overflow).
 */
export function checkYamlValue(value: unknown, limits = YAML_LIMITS): void {
  if (value === null || typeof value !== 'object') return
  // expanded size and height of each distinct container, once its children are known
  const size = new Map<object, number>()
  const height = new Map<object, number>()
  const onPath = new Set<object>()
  let distinct = 0
  const stack: Array<{ node: object; children: unknown[]; next: number }> = []
  const push = (node: object): void => {
    if (stack.length >= limits.depth)
      throw new BoundsError(`nests deeper than ${limits.depth} levels`)
    onPath.add(node)
    stack.push({ node, children: Object.values(node), next: 0 })
  }
  push(value)
  while (stack.length) {
    const top = stack[stack.length - 1] as (typeof stack)[number]
    if (top.next < top.children.length) {
      const c = top.children[top.next++]
      if (c !== null && typeof c === 'object' && !size.has(c)) {
        // a value that contains itself (`&a [*a]`) expands without end
        if (onPath.has(c)) throw new BoundsError('holds an alias of a node inside itself')
        push(c)
      }
      continue
    }
    stack.pop()
    onPath.delete(top.node)
    // a container and its scalars are distinct nodes; its containers were counted when they closed
    distinct += 1
    let s = 1
    let h = 0
    for (const c of top.children)
      if (c !== null && typeof c === 'object') {
        s += size.get(c) as number
        h = Math.max(h, height.get(c) as number)
      } else {
        s += 1
        distinct += 1
      }
    if (h + 1 > limits.depth) throw new BoundsError(`nests deeper than ${limits.depth} levels`)
    size.set(top.node, s)
    height.set(top.node, h + 1)
    // what this node expands to beyond every distinct node seen so far: only aliases add that
    if (s - distinct > limits.aliasNodes)
      throw new BoundsError(
        `its aliases expand it to more than ${limits.aliasNodes.toLocaleString('en-US')} nodes beyond what it holds (an alias bomb)`
      )
  }
}
