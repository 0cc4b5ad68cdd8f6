import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import ts from 'typescript'

/**
 * What Qlik documents an answer to hold, read from the type declarations of Qlik's own client
 * (@qlik/api 2.19, generated from Qlik's API specifications) with the TypeScript compiler: every
 * object's keys, at every nesting level. `extraKeys` lists what an answer holds beyond that.
 */

export type Shape =
  | { kind: 'any' }
  | { kind: 'object'; props: Map<string, Shape>; index?: Shape }
  | { kind: 'array'; of: Shape }
  | { kind: 'union'; of: Shape[] }
  | { kind: 'scalar' }

const require = createRequire(import.meta.url)
const apiDir = dirname(require.resolve('@qlik/api/di-projects'))

const programs = new Map<string, { checker: ts.TypeChecker; file: ts.SourceFile }>()

function load(module: string): { checker: ts.TypeChecker; file: ts.SourceFile } {
  const known = programs.get(module)
  if (known) return known
  const path = join(apiDir, `${module}.d.ts`)
  const program = ts.createProgram([path], { strict: true, skipLibCheck: true, noEmit: true })
  const file = program.getSourceFile(path)
  if (!file) throw new Error(`@qlik/api has no ${module}.d.ts`)
  const loaded = { checker: program.getTypeChecker(), file }
  programs.set(module, loaded)
  return loaded
}

/** The documented shape of type `name` exported by `@qlik/api/<module>`. */
export function documented(module: string, name: string): Shape {
  const { checker, file } = load(module)
  const decl = file.statements.find(
    (s): s is ts.TypeAliasDeclaration | ts.InterfaceDeclaration =>
      (ts.isTypeAliasDeclaration(s) || ts.isInterfaceDeclaration(s)) && s.name.text === name
  )
  if (!decl) throw new Error(`@qlik/api/${module} has no type ${name}`)
  const seen = new Map<ts.Type, Shape>()
  const shapeOf = (t: ts.Type): Shape => {
    const known = seen.get(t)
    if (known) return known
    if (t.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return { kind: 'any' }
    if (t.isUnion()) {
      const of = t.types
        .filter((x) => !(x.flags & (ts.TypeFlags.Null | ts.TypeFlags.Undefined)))
        .map(shapeOf)
      return of.length === 1 ? (of[0] as Shape) : { kind: 'union', of }
    }
    if (checker.isArrayType(t)) {
      const arg = checker.getTypeArguments(t as ts.TypeReference)[0]
      return { kind: 'array', of: arg ? shapeOf(arg) : { kind: 'any' } }
    }
    if (t.flags & ts.TypeFlags.Object) {
      const shape: Shape = { kind: 'object', props: new Map() }
      seen.set(t, shape)
      for (const p of t.getProperties())
        shape.props.set(p.name, shapeOf(checker.getTypeOfSymbolAtLocation(p, decl)))
      const index = t.getStringIndexType()
      if (index) shape.index = shapeOf(index)
      return shape
    }
    return { kind: 'scalar' }
  }
  return shapeOf(checker.getTypeAtLocation(decl))
}

/** JSON pointers of the keys in `value` that `shape` does not document, at every level. */
export function extraKeys(value: unknown, shape: Shape, at = ''): string[] {
  if (value === null || value === undefined || shape.kind === 'any') return []
  if (shape.kind === 'union') {
    // documented if one of the alternatives documents it all
    const tries = shape.of.map((s) => extraKeys(value, s, at))
    return tries.find((x) => x.length === 0) ?? tries.sort((a, b) => a.length - b.length)[0] ?? []
  }
  if (Array.isArray(value))
    return shape.kind === 'array'
      ? value.flatMap((v, i) => extraKeys(v, shape.of, `${at}/${i}`))
      : [`${at} (an array where Qlik documents ${shape.kind})`]
  if (typeof value === 'object') {
    if (shape.kind !== 'object') return [`${at} (an object where Qlik documents ${shape.kind})`]
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => {
      const p = shape.props.get(k) ?? shape.index
      return p ? extraKeys(v, p, `${at}/${k}`) : [`${at}/${k}`]
    })
  }
  return []
}
