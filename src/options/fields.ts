import { z } from 'zod'

/**
 * How one input's text becomes a typed value. Each builder takes the input's text (trimmed; the
 * default's text when empty) and names what is wrong in words that follow "Input 'NAME' ".
 * A builder given a default yields a value always; without one, empty is `undefined`.
 */

/** What each field says of itself (in `.meta()`): action.yml, --help and the README come from it. */
export interface FieldMeta {
  /** The input's text when it is empty (as action.yml shows it). */
  default: string
  description: string
  /** Masked the moment it is read; never printed. */
  secret?: boolean
  /** Longest value it takes (default: 4096, secrets 16 kB). */
  maxLength?: number
  /** May span lines (bindings, lists); other inputs are one line. */
  multiline?: boolean
  /** Given as is, not trimmed (inline YAML keeps its indentation). */
  untrimmed?: boolean
}

export const TRUE = ['true', 'True', 'TRUE', 'yes', 'on', '1']
export const FALSE = ['false', 'False', 'FALSE', 'no', 'off', '0']

/** A value echoed in a message: control characters escaped, cut to a readable length. */
export function show(value: string, max = 80): string {
  const cut = value.length > max ? value.slice(0, max) : value
  const escaped = JSON.stringify(cut).slice(1, -1)
  return `"${escaped}"${value.length > max ? `… (${value.length} characters)` : ''}`
}

/** A text input, as given. */
export const text = () => z.string()

/** true/false (also yes/no, on/off, 1/0). */
export const flag = () =>
  z.string().transform((v, ctx) => {
    if (TRUE.includes(v)) return true
    if (FALSE.includes(v)) return false
    ctx.addIssue({ code: 'custom', message: `must be true or false, got ${show(v)}.` })
    return z.NEVER
  })

const oneOf = <T extends string>(allowed: readonly T[], upper: boolean) =>
  z.string().transform((v, ctx): T | undefined => {
    if (v === '') return undefined
    const norm = upper ? v.toUpperCase() : v.toLowerCase()
    if ((allowed as readonly string[]).includes(norm)) return norm as T
    ctx.addIssue({
      code: 'custom',
      message: `must be one of ${allowed.join(', ')}, got ${show(v)}.`
    })
    return z.NEVER
  })

/** One of a few words (upper- or lower-cased before the comparison); empty is undefined. */
export const choice = <T extends string>(allowed: readonly T[], upper: boolean) =>
  oneOf(allowed, upper)

/** One of a few words, never empty: the field's default applies (given as its text). */
export const word = <T extends string>(allowed: readonly T[], upper: boolean) =>
  oneOf(allowed, upper).transform((v) => v as T)

const numeric = (r: { min: number; max: number; integer?: boolean }) =>
  z.string().transform((v, ctx): number | undefined => {
    if (v === '') return undefined
    const n = Number(v)
    if (Number.isFinite(n) && (!r.integer || Number.isInteger(n)) && n >= r.min && n <= r.max)
      return n
    ctx.addIssue({
      code: 'custom',
      message: `must be ${r.integer ? 'a whole number' : 'a number'} from ${r.min} to ${r.max}, got ${show(v)}.`
    })
    return z.NEVER
  })

/** A number in a range; empty is undefined. */
export const optionalNumber = (r: { min: number; max: number; integer?: boolean }) => numeric(r)

/** A number in a range with a default (given as the field's default text). */
export const number = (r: { min: number; max: number; integer?: boolean }) =>
  numeric(r).transform((v) => v as number)

/** A list: comma- or line-separated, items trimmed, empty items dropped. */
export const list = () =>
  z.string().transform((v) =>
    v
      .split(/[,\n]/)
      .map((x) => x.trim())
      .filter(Boolean)
  )

/** run-tasks: none (empty), all, or a list of task ids or names. */
export const taskSelection = () =>
  z.string().transform((v): 'none' | 'all' | string[] => {
    const low = v.toLowerCase()
    if (v === '' || low === 'none') return 'none'
    if (low === 'all') return 'all'
    return v
      .split(/[,\n]/)
      .map((s) => s.trim())
      .filter(Boolean)
  })

const SECRET_MAX_LENGTH = 16_384
const DEFAULT_MAX_LENGTH = 4096
/** Control characters (ANSI escapes included); multi-line inputs may hold line breaks. */
// eslint-disable-next-line no-control-regex -- finding them is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/
// eslint-disable-next-line no-control-regex -- finding them is the point
const CONTROL_OR_NEWLINE = /[\u0000-\u001F\u007F-\u009F]/

/** Length and control characters of one raw input; undefined when it is fine. */
export function inputProblem(
  name: string,
  value: string,
  meta: Pick<FieldMeta, 'secret' | 'maxLength' | 'multiline'> = {}
): string | undefined {
  const secret = meta.secret === true
  const max = meta.maxLength ?? (secret ? SECRET_MAX_LENGTH : DEFAULT_MAX_LENGTH)
  if (value.length > max)
    return `Input '${name}' is ${value.length} characters long; the most it takes is ${max}${secret ? '' : `: ${show(value, 40)}`}.`
  const rx = meta.multiline ? CONTROL : CONTROL_OR_NEWLINE
  const at = value.search(rx)
  if (at >= 0) {
    const code = `U+${(value.codePointAt(at) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`
    return `Input '${name}' contains a control character (${code} at position ${at + 1})${secret ? '' : `: ${show(value, 40)}`}; remove it${rx === CONTROL ? '' : ' (this input is one line)'}.`
  }
  return undefined
}
