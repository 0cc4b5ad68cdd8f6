import { ESLint } from 'eslint'

/** npm run lint refuses a file over 400 lines, a function over 80 and more than 4 parameters in src/. */
const ROOT = new URL('../../', import.meta.url).pathname

async function rules(text: string, path = 'src/pipeline/probe.ts'): Promise<string[]> {
  const eslint = new ESLint({ cwd: ROOT })
  const [result] = await eslint.lintText(text, { filePath: `${ROOT}${path}` })
  return (result?.messages ?? []).map((m) => m.ruleId ?? m.message)
}

describe('size rules', () => {
  it('refuse a long file, a long function and a long parameter list', async () => {
    const body = Array.from({ length: 85 }, (_, i) => `  const v${i} = ${i}`).join('\n')
    const found = await rules(
      `export function long(a: number, b: number, c: number, d: number, e: number): number {\n${body}\n  return a + b + c + d + e + v0\n}\n` +
        Array.from({ length: 320 }, (_, i) => `export const c${i} = ${i}`).join('\n') +
        '\n'
    )
    expect(found).toEqual(
      expect.arrayContaining(['max-lines', 'max-lines-per-function', 'max-params'])
    )
  }, 30000)

  it('an exception that no longer applies fails too (the list only shrinks)', async () => {
    const found = await rules(
      '// eslint-disable-next-line max-params -- known\nexport const f = (a: number) => a\n'
    )
    expect(found.join(' ')).toMatch(/Unused eslint-disable directive/)
  }, 30000)
})
