import { OPTION_SPECS } from './options.js'
import { OUTPUT_SPECS } from './outputs.js'

/** The README's inputs and outputs tables, generated from the options and outputs (a test checks them). */

export const TABLE_START = '<!-- generated:inputs-outputs (npm run generate) -->'
export const TABLE_END = '<!-- end:inputs-outputs -->'

const cell = (s: string): string => s.replace(/\|/g, '\\|')

export function inputsOutputsTables(): string {
  return [
    '| Input | Default | Description |',
    '| --- | --- | --- |',
    ...OPTION_SPECS.map(
      (s) =>
        `| \`${s.name}\` | ${s.default ? `\`${s.default}\`` : ''} | ${cell(s.description)}${s.secret ? ' **Secret.**' : ''} |`
    ),
    '',
    '| Output | Description |',
    '| --- | --- |',
    ...OUTPUT_SPECS.map((o) => `| \`${o.name}\` | ${cell(o.description)} |`)
  ].join('\n')
}

/** The README with its tables replaced by freshly generated ones. */
export function withTables(readme: string): string {
  const a = readme.indexOf(TABLE_START)
  const b = readme.indexOf(TABLE_END)
  if (a < 0 || b < a) throw new Error(`README.md has no ${TABLE_START} ... ${TABLE_END} block`)
  return `${readme.slice(0, a + TABLE_START.length)}\n\n${inputsOutputsTables()}\n\n${readme.slice(b)}`
}
