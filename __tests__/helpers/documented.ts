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
  | {
      kind: 'object'
      props: Map<string, Shape>
      index?: Shape
      /** Keys the type does not mark optional. */
      required?: Set<string>
      /** Keys whose type admits null. */
      nullable?: Set<string>
    }
  | { kind: 'array'; of: Shape }
  | { kind: 'union'; of: Shape[] }
  | { kind: 'enum'; values: Set<string | number> }
  | { kind: 'scalar'; type?: 'string' | 'number' | 'boolean' }

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
      const members = t.types.filter(
        (x) => !(x.flags & (ts.TypeFlags.Null | ts.TypeFlags.Undefined))
      )
      if (members.length > 0 && members.every((x) => x.flags & ts.TypeFlags.BooleanLiteral))
        return { kind: 'scalar', type: 'boolean' }
      if (members.length > 0 && members.every((x) => x.isStringLiteral() || x.isNumberLiteral()))
        return {
          kind: 'enum',
          values: new Set(members.map((x) => (x as ts.LiteralType).value as string | number))
        }
      const of = members.map(shapeOf)
      return of.length === 1 ? (of[0] as Shape) : { kind: 'union', of }
    }
    if (t.isStringLiteral() || t.isNumberLiteral())
      return { kind: 'enum', values: new Set([t.value]) }
    if (checker.isArrayType(t)) {
      const arg = checker.getTypeArguments(t as ts.TypeReference)[0]
      return { kind: 'array', of: arg ? shapeOf(arg) : { kind: 'any' } }
    }
    if (t.flags & ts.TypeFlags.Object) {
      const shape: Shape = {
        kind: 'object',
        props: new Map(),
        required: new Set(),
        nullable: new Set()
      }
      seen.set(t, shape)
      for (const p of t.getProperties()) {
        const pt = checker.getTypeOfSymbolAtLocation(p, decl)
        shape.props.set(p.name, shapeOf(pt))
        if (!(p.flags & ts.SymbolFlags.Optional)) shape.required!.add(p.name)
        if (pt.isUnion() && pt.types.some((x) => x.flags & ts.TypeFlags.Null))
          shape.nullable!.add(p.name)
      }
      const index = t.getStringIndexType()
      if (index) shape.index = shapeOf(index)
      return shape
    }
    if (t.flags & ts.TypeFlags.StringLike) return { kind: 'scalar', type: 'string' }
    if (t.flags & ts.TypeFlags.NumberLike) return { kind: 'scalar', type: 'number' }
    if (t.flags & ts.TypeFlags.BooleanLike) return { kind: 'scalar', type: 'boolean' }
    return { kind: 'scalar' }
  }
  return shapeOf(checker.getTypeAtLocation(decl))
}

/**
 * Where `value` is not what `shape` declares, as JSON pointers with the reason: a key the type
 * does not have, a required key missing, a value of another type, a value outside an enum, null
 * where the type does not admit it. Stricter than extraKeys: values and required keys too.
 */
export function conformance(value: unknown, shape: Shape, at = ''): string[] {
  if (shape.kind === 'any' || value === undefined) return []
  if (value === null) return [`${at}: null where Qlik declares ${declared(shape)}`]
  switch (shape.kind) {
    case 'union': {
      const tries = shape.of.map((s) => conformance(value, s, at))
      return tries.find((x) => x.length === 0) ?? tries.sort((a, b) => a.length - b.length)[0] ?? []
    }
    case 'enum':
      return shape.values.has(value as string | number)
        ? []
        : [
            `${at}: ${JSON.stringify(value)} is not one of ${[...shape.values].map((v) => JSON.stringify(v)).join(', ')}`
          ]
    case 'scalar':
      return shape.type && typeof value !== shape.type
        ? [`${at}: a ${typeof value} where Qlik declares a ${shape.type}`]
        : []
    case 'array':
      return Array.isArray(value)
        ? value.flatMap((v, i) => conformance(v, shape.of, `${at}/${i}`))
        : [`${at}: a ${typeof value} where Qlik declares an array`]
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value))
        return [
          `${at}: ${Array.isArray(value) ? 'an array' : `a ${typeof value}`} where Qlik declares an object`
        ]
      const obj = value as Record<string, unknown>
      const out: string[] = []
      for (const k of shape.required ?? [])
        if (!(k in obj)) out.push(`${at}/${k}: required, missing`)
      for (const [k, v] of Object.entries(obj)) {
        const p = shape.props.get(k) ?? shape.index
        if (!p) out.push(`${at}/${k}: not a key Qlik declares`)
        else if (v === null && shape.nullable?.has(k)) continue
        else out.push(...conformance(v, p, `${at}/${k}`))
      }
      return out
    }
  }
}

const declared = (s: Shape): string =>
  s.kind === 'scalar'
    ? `a ${s.type ?? 'value'}`
    : s.kind === 'enum'
      ? 'an enum value'
      : `an ${s.kind}`

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
