import { execFile } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'

/**
 * The layering is a check (npm run lint:deps): an upward import and an import cycle fail it. Shown
 * on a small tree laid out like src/, with the repository's own rules.
 */
const ROOT = new URL('../../', import.meta.url).pathname
const run = promisify(execFile)

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'qdp-layers-'))
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), text)
  }
  copyFileSync(join(ROOT, 'tsconfig.json'), join(dir, 'tsconfig.json'))
  return dir
}

async function depcruise(dir: string): Promise<{ code: number; out: string }> {
  const bin = join(ROOT, 'node_modules/.bin/depcruise')
  try {
    const r = await run(
      bin,
      ['src', '--config', join(ROOT, '.dependency-cruiser.cjs'), '--output-type', 'err'],
      {
        cwd: dir
      }
    )
    return { code: 0, out: r.stdout }
  } catch (e) {
    const x = e as { code: number; stdout: string }
    return { code: x.code, out: x.stdout }
  }
}

describe('the dependency rules', () => {
  it('pass a tree whose arrows point down', async () => {
    const dir = tree({
      'src/main.ts': "import { run } from './pipeline/run.js'\nexport const go = run\n",
      'src/pipeline/run.ts': "import { md } from '../text/escape.js'\nexport const run = md\n",
      'src/text/escape.ts': 'export const md = (s: string) => s\n'
    })
    expect(await depcruise(dir)).toMatchObject({ code: 0 })
  }, 30000)

  it('refuse an upward import and a cycle, naming each', async () => {
    const dir = tree({
      'src/main.ts': 'export const go = 1\n',
      'src/pipeline/run.ts': "import { go } from '../main.js'\nexport const run = go\n",
      'src/set/a.ts': "import { b } from './b.js'\nexport const a = () => b\n",
      'src/set/b.ts': "import { a } from './a.js'\nexport const b = () => a\n"
    })
    const r = await depcruise(dir)
    expect(r.code).not.toBe(0)
    expect(r.out).toContain('core-not-up: src/pipeline/run.ts → src/main.ts')
    expect(r.out).toMatch(/no-cycle: src\/set\/(a|b)\.ts/)
  }, 30000)
})
