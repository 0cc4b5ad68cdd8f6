import { isMap, isSeq, LineCounter, parseDocument } from 'yaml'
import { strFromU8 } from 'fflate'
import { schemaFor, validateDocument } from './schemas.js'
import { type FileMap, type Problem, VARIABLE } from './format.js'

/** One file of a package: parsed (YAML or JSON), checked against its schema, its variables found. */

export function pointerPath(pointer: string): string[] {
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
}

/** The 1-based line of a JSON pointer in YAML text (the deepest node that exists). */
export function lineOfPointer(text: string, pointer: string): number | undefined {
  return lineLocator(text)(pointer)
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
  const text = strFromU8(data)
  try {
    if (path.endsWith('.json')) {
      const doc: unknown = JSON.parse(text)
      if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
        problems.push({ level: 'ERROR', file: path, pointer: '', message: 'must be a JSON object' })
        return { text }
      }
      return { doc: doc as Record<string, unknown>, text }
    }
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
      message: `is not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(e as Error).message}`
    })
    return { text }
  }
}

/** What the published schema says of the file: warnings that name the schema (strict-schemas: errors). */
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
    if (parsed.text !== undefined && !path.endsWith('.json')) {
      locate ??= lineLocator(parsed.text)
      const line = locate(p.pointer)
      if (line !== undefined) problem.line = line
    }
    problems.push(problem)
  }
}

/** Every `{{variable}}` used in a document, with the pointer of its first use. */
export function variablesUsed(node: unknown, pointer: string, out: Map<string, string>): void {
  if (typeof node === 'string') {
    for (const m of node.matchAll(VARIABLE)) {
      const name = m[1] as string
      if (!out.has(name)) out.set(name, pointer)
    }
  } else if (Array.isArray(node)) {
    node.forEach((v, i) => variablesUsed(v, `${pointer}/${i}`, out))
  } else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node))
      variablesUsed(v, `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, out)
  }
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
