import { load as loadYaml } from 'js-yaml'
import { isMap, isSeq, LineCounter, parseDocument } from 'yaml'
import { createHash } from 'node:crypto'
import { fillDefaults, schemaFor, validateDocument } from './schemas.js'
import { BoundsError, checkYamlValue, decodeUtf8 } from '../util/bounds.js'
import { loadInBatches } from './yaml-batches.js'
import { type FileMap, type Problem, VARIABLE } from './format.js'

/** One file of a package: parsed (YAML or JSON), checked against its schema, its variables found. */

export function pointerPath(pointer: string): string[] {
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
}

/**
 * Files above this size (a model.yaml of several MB) are parsed with js-yaml, which builds plain
 * values only (a 9 MB file: ~0.4 s and ~60 MB instead of ~3.7 s and ~430 MB with a full document),
 * and their problems carry no line number: the JSON pointer says where.
 */
export const LARGE_FILE = 1_000_000

/** The 1-based line of a JSON pointer in YAML text (the deepest node that exists). */
export function lineOfPointer(text: string, pointer: string): number | undefined {
  return text.length > LARGE_FILE ? undefined : lineLocator(text)(pointer)
}

/** Lines of many pointers in one YAML text, parsed once. */
export function lineLocator(text: string): (pointer: string) => number | undefined {
  const counter = new LineCounter()
  const doc = parseDocument(text, { lineCounter: counter })
  return (pointer) => {
    let node: unknown = doc.contents
    let offset: number | undefined = (node as { range?: number[] } | null)?.range?.[0]
    for (const part of pointerPath(pointer)) {
      if (isMap(node)) {
        const pair = node.items.find((i) => String((i.key as { value?: unknown })?.value) === part)
        if (!pair) break
        offset = (pair.key as { range?: number[] })?.range?.[0] ?? offset
        node = pair.value
      } else if (isSeq(node)) {
        const item = node.items[Number(part)]
        if (!item) break
        offset = (item as { range?: number[] }).range?.[0] ?? offset
        node = item
      } else break
    }
    return offset === undefined ? undefined : counter.linePos(offset).line
  }
}

export interface Parsed {
  doc?: Record<string, unknown>
  text?: string
}

export function parseFile(files: FileMap, path: string, problems: Problem[]): Parsed {
  const data = files[path]
  if (!data) return {}
  let text: string
  try {
    text = decodeUtf8(data)
  } catch (e) {
    if (!(e instanceof BoundsError)) throw e
    problems.push({ level: 'ERROR', file: path, pointer: '', message: e.message })
    return {}
  }
  const parsed = parseText(path, text, problems)
  if (parsed.doc) {
    try {
      // before anything walks the value: an alias bomb or a value nested thousands deep stops here
      checkYamlValue(parsed.doc)
    } catch (e) {
      if (!(e instanceof BoundsError)) throw e
      problems.push({
        level: 'ERROR',
        file: path,
        pointer: '',
        message: `is refused: ${e.message}`
      })
      return { text }
    }
  }
  return parsed
}

function parseText(path: string, text: string, problems: Problem[]): Parsed {
  try {
    if (path.endsWith('.json')) {
      const doc: unknown = JSON.parse(text)
      if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
        problems.push({ level: 'ERROR', file: path, pointer: '', message: 'must be a JSON object' })
        return { text }
      }
      return { doc: doc as Record<string, unknown>, text }
    }
    if (text.length > LARGE_FILE) return large(path, text, problems)
    const parsed = parseDocument(text, { prettyErrors: true })
    if (parsed.errors.length > 0) {
      const err = parsed.errors[0] as { message: string; linePos?: { line: number }[] }
      const problem: Problem = {
        level: 'ERROR',
        file: path,
        pointer: '',
        message: `is not valid YAML: ${err.message.split('\n')[0]}`
      }
      const line = err.linePos?.[0]?.line
      if (line !== undefined) problem.line = line
      problems.push(problem)
      return { text }
    }
    const doc: unknown = parsed.toJS()
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
      problems.push({ level: 'ERROR', file: path, pointer: '', message: 'must be a YAML mapping' })
      return { text }
    }
    return { doc: doc as Record<string, unknown>, text }
  } catch (e) {
    problems.push({
      level: 'ERROR',
      file: path,
      pointer: '',
      message: `is not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${tooDeep(e) ?? (e as Error).message}`
    })
    return { text }
  }
}

/** A parser that recursed past the stack: the file nests too deep to be a real Qlik file. */
const tooDeep = (e: unknown): string | undefined =>
  e instanceof RangeError ? 'it nests too deep to read (refused)' : undefined

/** What the published schema says of the file: warnings that name the schema (strict-schemas: errors). */
/** A large YAML file, parsed to plain values (see LARGE_FILE). */
function large(path: string, text: string, problems: Problem[]): Parsed {
  let doc: unknown
  try {
    doc = loadInBatches(text) ?? loadYaml(text)
  } catch (e) {
    const line = (e as { mark?: { line?: number } }).mark?.line
    problems.push({
      level: 'ERROR',
      file: path,
      pointer: '',
      message: `is not valid YAML: ${tooDeep(e) ?? (e as Error).message.split('\n')[0]}`,
      ...(typeof line === 'number' ? { line: line + 1 } : {})
    })
    return { text }
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    problems.push({ level: 'ERROR', file: path, pointer: '', message: 'must be a YAML mapping' })
    return { text }
  }
  return { doc: doc as Record<string, unknown>, text }
}

export function schemaProblems(path: string, parsed: Parsed, problems: Problem[]): void {
  const schema = schemaFor(path)
  if (!schema || !parsed.doc) return
  let locate: ((pointer: string) => number | undefined) | undefined
  for (const p of validateDocument(schema, parsed.doc)) {
    const problem: Problem = {
      level: 'WARNING',
      file: path,
      pointer: p.pointer,
      message: p.message,
      schema
    }
    if (parsed.text !== undefined && !path.endsWith('.json') && parsed.text.length <= LARGE_FILE) {
      locate ??= lineLocator(parsed.text)
      const line = locate(p.pointer)
      if (line !== undefined) problem.line = line
    }
    problems.push(problem)
  }
}

/** Every `{{variable}}` used in a document, with the pointer of its first use. */
export function variablesUsed(node: unknown, pointer: string, out: Map<string, string>): void {
  // the path is kept as parts and joined only where a variable is found (large models: no string
  // per node)
  const path: string[] = []
  const walk = (n: unknown): void => {
    if (typeof n === 'string') {
      if (!n.includes('{{')) return
      for (const m of n.matchAll(VARIABLE)) {
        const name = m[1] as string
        if (!out.has(name))
          out.set(
            name,
            pointer + path.map((k) => `/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('')
          )
      }
    } else if (Array.isArray(n)) {
      n.forEach((v, i) => {
        path.push(String(i))
        walk(v)
        path.pop()
      })
    } else if (n && typeof n === 'object') {
      for (const [k, v] of Object.entries(n)) {
        path.push(k)
        walk(v)
        path.pop()
      }
    }
  }
  walk(node)
}

export function registryOf(
  parsed: Parsed,
  path: string,
  problems: Problem[]
): Record<string, unknown> | undefined {
  if (!parsed.doc) return undefined
  const vars = parsed.doc.variables
  if (vars === null || typeof vars !== 'object' || Array.isArray(vars)) {
    problems.push({
      level: 'ERROR',
      file: path,
      pointer: '/variables',
      message: 'must be an object of variable names'
    })
    return undefined
  }
  return vars as Record<string, unknown>
}

/**
 * A digest of a file's content that does not depend on key order or on values equal to its schema's
 * defaults (a MINIMAL package and an ALL export of the same content agree).
 */
export function contentDigest(path: string, doc: Record<string, unknown> | undefined): string {
  if (!doc) return 'unreadable'
  const schema = schemaFor(path)
  const filled = schema ? fillDefaults(doc, schema) : doc
  return createHash('sha256').update(stableJson(filled)).digest('hex').slice(0, 32)
}

/** JSON with the keys of every object sorted (a value read back from JSON: no undefined). */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`
  return JSON.stringify(v) ?? 'null'
}
