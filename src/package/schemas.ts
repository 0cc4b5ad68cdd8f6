import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
import { taskTypeForApi, taskTypeForSchema } from './enums.js'
import { QTCP_SCHEMAS } from './qtcp-schemas.js'

/**
 * Qlik's published JSON Schemas (draft-07) of the package files, vendored in
 * vendor/qlik-oss-schemas and bundled; validation never needs the network.
 *
 * The upstream files are not consistent about `$id` (some are bare file names, some full URLs, one
 * differs from its file name) and one declares an https meta-schema URL: in memory every schema gets
 * `$id` = BASE + its file name and the draft-07 `$schema`, so relative `$ref`s resolve the same way
 * whatever the file says. The files themselves stay byte-for-byte as vendored.
 */

const BASE = 'https://raw.githubusercontent.com/qlik-oss/schemas/refs/heads/main/qtcp/'

type Schema = Record<string, unknown>

const normalized: Record<string, Schema> = Object.fromEntries(
  Object.entries(QTCP_SCHEMAS).map(([file, s]) => [
    file,
    { ...(s as Schema), $id: BASE + file, $schema: 'http://json-schema.org/draft-07/schema#' }
  ])
)

/**
 * `$ref`s of the vendored files that point at a definition their target file does not have (the
 * upstream files were copied at different commits: task.settings.storage refers to
 * `artifactsSettingsLiveViewsEnabled` and others that task.settings.common at its commit lacks).
 * Such a definition accepts any value, and the list is pinned by a test so that a refresh that
 * fixes (or widens) the gap is noticed. Every other reference resolves.
 */
export const UNRESOLVED_REFS = new Set<string>()
const patched = new Set<unknown>()

function walkRefs(node: unknown, file: string): void {
  if (Array.isArray(node)) return node.forEach((n) => walkRefs(n, file))
  if (node === null || typeof node !== 'object') return
  for (const [k, v] of Object.entries(node as Schema)) {
    if (k === '$ref' && typeof v === 'string') {
      const [target, pointer = ''] = v.split('#')
      const targetFile = target ? target.replace(/^\.\//, '') : file
      const parts = pointer.split('/').filter(Boolean)
      let parent: unknown = normalized[targetFile]
      for (const part of parts.slice(0, -1)) parent = (parent as Schema | undefined)?.[part]
      const last = parts[parts.length - 1]
      if (parent && typeof parent === 'object' && last !== undefined && !(last in parent)) {
        const accept = {}
        patched.add(accept)
        ;(parent as Schema)[last] = accept
      }
      if (
        parent &&
        typeof parent === 'object' &&
        last !== undefined &&
        patched.has((parent as Schema)[last])
      )
        UNRESOLVED_REFS.add(`${targetFile}#${pointer}`)
    } else walkRefs(v, file)
  }
}
for (const [file, s] of Object.entries(normalized)) {
  // copy the definitions containers first so that patching never touches the imported objects
  for (const key of ['definitions', '$defs']) if (s[key]) s[key] = { ...(s[key] as Schema) }
  void file
}
for (const [file, s] of Object.entries(normalized)) walkRefs(s, file)

// ajv-formats is CommonJS: its default export arrives as the module object under ESM interop.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as (a: Ajv, formats: string[]) => Ajv

let ajv: Ajv | undefined
function instance(): Ajv {
  if (!ajv) {
    // strict: false because the upstream files use annotation keywords ajv does not know
    // (enumDescriptions, example); allErrors so that a user sees every problem at once.
    ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false })
    addFormats(ajv, ['date-time', 'date', 'time', 'uri', 'email'])
    for (const [file, s] of Object.entries(normalized)) ajv.addSchema(s, file)
  }
  return ajv
}

const compiled = new Map<string, ValidateFunction>()
function validator(file: string): ValidateFunction {
  let v = compiled.get(file)
  if (!v) {
    v = instance().getSchema(BASE + file)
    if (!v) throw new Error(`No vendored schema ${file}`)
    compiled.set(file, v)
  }
  return v
}

export interface SchemaProblem {
  /** JSON pointer into the document, '' for the whole document. */
  pointer: string
  message: string
}

/** Which schema governs which file of a package (YAML layout), by path inside the package. */
export function schemaFor(path: string): string | undefined {
  if (path === 'qtcp_project.yaml') return 'project.schema.json'
  if (
    path === 'qtcp_bindings_definition.json' ||
    path === 'bindingsTemplate.json' ||
    path === 'bindings.json'
  )
    return 'bindings.schema.json'
  if (path === 'qtcp_tasks/newTaskDefaults.yaml') return 'newtaskdefaults.schema.json'
  const m = /^qtcp_tasks\/[^/]+\/(.+)$/.exec(path)
  if (!m) return undefined
  const rest = m[1] as string
  if (rest === 'task.yaml') return 'task.schema.json'
  if (rest === 'sourceSelection.yaml') return 'task.sourceselection.schema.json'
  if (rest === 'schedule.yaml') return 'task.schedule.schema.json'
  if (rest === 'model.yaml') return 'task.model.schema.json'
  if (rest === 'transformationRules.yaml' && 'task.transformationrules.schema.json' in normalized)
    return 'task.transformationrules.schema.json'
  if (/^datasets\/[^/]+\.yaml$/.test(rest)) return 'task.dataset.schema.json'
  if (/^transformationDataFlows\/[^/]+\.yaml$/.test(rest))
    return 'task.transformationdataflow.schema.json'
  return undefined
}

function describe(e: ErrorObject): SchemaProblem {
  const p = e.params as Record<string, unknown>
  let message = e.message ?? 'is not valid'
  if (e.keyword === 'additionalProperties') {
    const key = String(p.additionalProperty).replace(/~/g, '~0').replace(/\//g, '~1')
    return { pointer: `${e.instancePath}/${key}`, message: 'is not a key the schema allows here' }
  } else if (e.keyword === 'enum') {
    message = `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`
  } else if (e.keyword === 'required') {
    message = `is missing the required key '${String(p.missingProperty)}'`
  } else if (e.keyword === 'const') {
    message = `must be ${JSON.stringify(p.allowedValue)}`
  }
  return { pointer: e.instancePath, message }
}

/**
 * Validate a parsed document against a vendored schema. For task.yaml (whose schema picks the
 * settings schema through `oneOf` on the type) the settings are validated against the schema of the
 * task's own type, so that the user reads "settings/x is not allowed" instead of fourteen oneOf
 * branches failing.
 */
export function validateDocument(file: string, doc: unknown): SchemaProblem[] {
  if (file === 'task.schema.json') return validateTask(doc)
  const v = validator(file)
  if (v(doc)) return []
  const errors = (v.errors ?? []).filter((e) => !COMBINATORS.has(e.keyword))
  // a value of the wrong type also fails its enum: the type error says it
  const typed = new Set(errors.filter((e) => e.keyword === 'type').map((e) => e.instancePath))
  return dedupe(
    errors.filter((e) => !(e.keyword === 'enum' && typed.has(e.instancePath))).map(describe)
  )
}

const COMBINATORS = new Set(['if', 'oneOf', 'anyOf', 'allOf', 'not'])

function dedupe(list: SchemaProblem[]): SchemaProblem[] {
  const seen = new Set<string>()
  return list.filter((p) => {
    const k = `${p.pointer}\u0000${p.message}`
    if (seen.has(k)) return false
    seen.add(k)
    return true
  })
}

/** The schema of a DATA_PIPELINE project's `settings:`. */
export const PROJECT_SETTINGS_SCHEMA = 'project.schema.json#/allOf/1/then/properties/settings'

/** The settings schema file of a data task type (API vocabulary), if the schemas know the type. */
export function settingsSchemaOf(apiType: string): string | undefined {
  return taskSettingsSchemas()[taskTypeForSchema(apiType)]
}

/** task.schema.json's routing: schema task type -> its settings schema file. */
export function taskSettingsSchemas(): Record<string, string> {
  const task = normalized['task.schema.json'] as { oneOf: Schema[] }
  const out: Record<string, string> = {}
  for (const branch of task.oneOf) {
    const props = branch.properties as Schema
    const all = (props.properties as { allOf: Schema[] }).allOf
    const type = ((all[1]?.properties as Schema).type as { const: string }).const
    out[type] = (props.settings as { $ref: string }).$ref
  }
  return out
}

function validateTask(doc: unknown): SchemaProblem[] {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    return [{ pointer: '', message: 'must be a mapping with properties: and settings:' }]
  }
  const d = doc as Schema
  const problems: SchemaProblem[] = []
  for (const key of Object.keys(d)) {
    if (key !== 'properties' && key !== 'settings')
      problems.push({ pointer: `/${key}`, message: 'is not a key the schema allows here' })
  }
  if (!('properties' in d))
    problems.push({ pointer: '', message: "is missing the required key 'properties'" })
  // the schema's enum names some task types otherwise than the API and today's exports
  // (LANDING_SAAS_MANAGED for LANDING): the type is checked in the schema's vocabulary
  const given = d.properties
  const props =
    given && typeof given === 'object' && typeof (given as Schema).type === 'string'
      ? {
          ...(given as Schema),
          type: taskTypeForSchema(taskTypeForApi((given as Schema).type as string))
        }
      : given
  const task = normalized['task.schema.json'] as { $defs: { BaseProperties: Schema } }
  if (props !== undefined) {
    compiledBase ??= instance().compile({
      $id: BASE + 'task.properties.local.json',
      ...task.$defs.BaseProperties
    })
    if (!compiledBase(props)) {
      for (const e of compiledBase.errors ?? []) {
        const p = describe(e)
        problems.push({ pointer: `/properties${p.pointer}`, message: p.message })
      }
    }
  }
  const type = (props as Schema | undefined)?.type
  // the settings schema of the type, whichever vocabulary names it (real exports use the API's)
  const settingsFile = typeof type === 'string' ? settingsSchemaOf(taskTypeForApi(type)) : undefined
  if (settingsFile && d.settings !== undefined) {
    for (const p of validateDocument(settingsFile, d.settings))
      problems.push({ pointer: `/settings${p.pointer}`, message: p.message })
  }
  return dedupe(problems)
}
let compiledBase: ValidateFunction | undefined

// ---------- defaults (MINIMAL leaves out values equal to the schema's defaults) ----------

function resolve(ref: string, file: string): [Schema, string] | undefined {
  const [target, pointer = ''] = ref.split('#')
  const targetFile = target ? target.replace(/^\.\//, '') : file
  let node: unknown = normalized[targetFile]
  for (const part of pointer.split('/').filter(Boolean)) {
    node = (node as Schema | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')]
  }
  return node && typeof node === 'object' ? [node as Schema, targetFile] : undefined
}

/** A subschema with its $ref followed and its allOf members merged (enough for defaults). */
function flatten(schema: Schema, file: string): [Schema, string] {
  let s = schema
  let f = file
  for (let i = 0; i < 10 && typeof s.$ref === 'string'; i++) {
    const r = resolve(s.$ref, f)
    if (!r) break
    const { $ref: _ref, ...rest } = s
    void _ref
    s = { ...r[0], ...rest }
    f = r[1]
  }
  if (Array.isArray(s.allOf)) {
    let props: Schema = { ...((s.properties as Schema) ?? {}) }
    for (const part of s.allOf as Schema[]) {
      const [p] = flatten(part, f)
      props = { ...props, ...((p.properties as Schema) ?? {}) }
    }
    s = { ...s, properties: props }
  }
  return [s, f]
}

const isObject = (v: unknown): v is Schema =>
  v !== null && typeof v === 'object' && !Array.isArray(v)

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b)

/**
 * `value` without the keys whose value equals the schema's default (recursively); objects left empty
 * are dropped unless the schema requires them.
 */
export function stripDefaults(value: Schema, schemaRef: string): Schema {
  const root = locate(schemaRef)
  return root ? strip(value, ...root) : value
}

/** `file.schema.json` or `file.schema.json#/json/pointer`, flattened. */
function locate(schemaRef: string): [Schema, string] | undefined {
  const file = schemaRef.split('#')[0] as string
  const r = schemaRef.includes('#')
    ? resolve(schemaRef, file)
    : normalized[file]
      ? ([normalized[file] as Schema, file] as [Schema, string])
      : undefined
  return r ? flatten(...r) : undefined
}

function strip(value: Schema, schema: Schema, file: string): Schema {
  const props = (schema.properties as Schema | undefined) ?? {}
  const required = new Set((schema.required as string[] | undefined) ?? [])
  const out: Schema = {}
  for (const [k, v] of Object.entries(value)) {
    const sub = props[k]
    if (!isObject(sub)) {
      out[k] = v
      continue
    }
    const [ps, pf] = flatten(sub, file)
    if ('default' in ps && same(ps.default, v) && !required.has(k)) continue
    if (isObject(v) && isObject(ps.properties)) {
      const inner = strip(v, ps, pf)
      if (Object.keys(inner).length === 0 && !required.has(k) && Object.keys(v).length > 0) continue
      out[k] = inner
      continue
    }
    out[k] = v
  }
  return out
}

/** `value` with every absent key that has a schema default filled in, at the levels present. */
export function fillDefaults(value: Schema, schemaRef: string): Schema {
  const root = locate(schemaRef)
  return root ? fill(value, ...root) : value
}

function fill(value: Schema, schema: Schema, file: string): Schema {
  const props = (schema.properties as Schema | undefined) ?? {}
  const out: Schema = { ...value }
  for (const [k, sub] of Object.entries(props)) {
    if (!isObject(sub)) continue
    const [ps, pf] = flatten(sub, file)
    if (!(k in out)) {
      if ('default' in ps) out[k] = structuredClone(ps.default)
      continue
    }
    const v = out[k]
    if (isObject(v) && isObject(ps.properties)) out[k] = fill(v, ps, pf)
  }
  return out
}

/** The default of one top-level key of a schema (e.g. a task type's `fullLoadOnly`). */
export function defaultOf(schemaRef: string, key: string): unknown {
  const root = locate(schemaRef)
  if (!root) return undefined
  const [s, f] = root
  const sub = (s.properties as Schema | undefined)?.[key]
  return isObject(sub) ? flatten(sub, f)[0].default : undefined
}

/** The keys a (flattened) schema defines and the ones it requires. */
export function keysOf(schemaRef: string): { properties: string[]; required: string[] } {
  const root = locate(schemaRef)
  if (!root) return { properties: [], required: [] }
  return {
    properties: Object.keys((root[0].properties as Schema | undefined) ?? {}),
    required: (root[0].required as string[] | undefined) ?? []
  }
}

/** Types whose runs can be continuous (CDC): `fullLoadOnly: false` makes them so. */
export const CDC_TYPES = new Set(['LANDING', 'REPLICATION', 'LAKE_LANDING'])

/** Whether a task runs continuously, from its settings (`fullLoadOnly`, or the type's default). */
export function continuousOf(apiType: string, settings: Record<string, unknown>): boolean {
  if (!CDC_TYPES.has(apiType)) return false
  const schema = settingsSchemaOf(apiType)
  const full = settings.fullLoadOnly ?? (schema ? defaultOf(schema, 'fullLoadOnly') : true)
  return full === false
}
