import { load } from 'js-yaml'

/**
 * A large YAML file (a model.yaml of megabytes) read in batches, so that reading it never holds
 * more than a batch's worth of the parser's short-lived values: a 9 MB model in one js-yaml call
 * peaks at ~150 MB of heap for a ~20 MB result; in batches of BATCH_CHARS, at about the result
 * (peak RSS of `validate` on a 10 MB package: ~300 MB -> ~210 MB; ~0.5 s slower).
 *
 * The file is cut only where YAML itself starts a new node at the top: a line that begins at column
 * 0 (a new top-level key) and, inside a top-level key whose value is a block sequence (Qlik's
 * `relationships:`), a line that starts a new item at the sequence's indentation. Each piece must
 * read to what it would be inside the whole (one key per top-level piece, a list per batch of
 * items, no key twice); anything else (document markers, an alias of an anchor in another batch, a
 * piece that does not parse) returns undefined and the caller reads the file in one call, which
 * gives the same values or the real error with its line.
 */
export const BATCH_CHARS = 64 * 1024

export function loadInBatches(
  text: string,
  batchChars = BATCH_CHARS
): Record<string, unknown> | undefined {
  if (/^(%|---|\.\.\.)/m.test(text)) return undefined
  const out: Record<string, unknown> = {}
  try {
    for (const [start, end] of topLevelPieces(text)) {
      const piece = readPiece(text, start, end, batchChars)
      if (!piece || piece[0] === '__proto__') return undefined
      if (Object.prototype.hasOwnProperty.call(out, piece[0])) return undefined
      out[piece[0]] = piece[1]
    }
  } catch {
    return undefined
  }
  return Object.keys(out).length > 0 ? out : undefined
}

/** [start, end) of each piece that begins with a top-level key (comments before the first are skipped). */
function topLevelPieces(text: string): Array<[number, number]> {
  const starts: number[] = []
  for (let p = 0; p < text.length;) {
    const c = text[p]
    if (c !== ' ' && c !== '\t' && c !== '#' && c !== '-' && c !== '\n' && c !== '\r')
      starts.push(p)
    const nl = text.indexOf('\n', p)
    if (nl < 0) break
    p = nl + 1
  }
  return starts.map((s, i) => [s, starts[i + 1] ?? text.length])
}

/** One top-level key and its value, or undefined when the piece is not exactly that. */
function readPiece(
  text: string,
  start: number,
  end: number,
  batchChars: number
): [string, unknown] | undefined {
  const firstEnd = text.indexOf('\n', start)
  const headerEnd = firstEnd < 0 || firstEnd > end ? end : firstEnd + 1
  const items = end - start > batchChars ? sequenceItems(text, headerEnd, end) : undefined
  if (!items) return single(load(text.slice(start, end)))
  const header = single(load(text.slice(start, headerEnd)))
  if (!header || header[1] !== null) return undefined
  const list: unknown[] = []
  for (let from = items.first; from < end;) {
    let to = from + batchChars < end ? text.indexOf(items.marker, from + batchChars) : -1
    to = to < 0 || to >= end ? end : to + 1
    // under a key, as in the file: the items keep the indentation they have there
    const batch = (load(`k:\n${text.slice(from, to)}`) as { k?: unknown } | null)?.k
    if (!Array.isArray(batch)) return undefined
    for (const item of batch) list.push(item)
    from = to
  }
  return [header[0], list]
}

/** Where the first item of the block sequence under a header is, and the text that starts each item. */
function sequenceItems(
  text: string,
  from: number,
  end: number
): { first: number; marker: string } | undefined {
  // the first line that is not blank or a comment must be an item: `<indent>- ...`
  const m = /^([ ]*)-( |\r?\n)/m.exec(text.slice(from, Math.min(end, from + 4096)))
  if (!m) return undefined
  const before = text.slice(from, from + m.index)
  if (before.split('\n').some((l) => l.trim() !== '' && !l.trim().startsWith('#'))) return undefined
  return { first: from + m.index, marker: `\n${m[1] as string}-` }
}

function single(doc: unknown): [string, unknown] | undefined {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return undefined
  const keys = Object.keys(doc)
  return keys.length === 1
    ? [keys[0] as string, (doc as Record<string, unknown>)[keys[0] as string]]
    : undefined
}
