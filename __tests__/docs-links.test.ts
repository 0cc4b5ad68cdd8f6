import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

/** Every relative link of the documentation points at a file of the repository. */
const ROOT = new URL('../', import.meta.url).pathname
const docs = [
  'README.md',
  'CONTRIBUTING.md',
  'SECURITY.md',
  ...readdirSync(join(ROOT, 'docs')).map((f) => join('docs', f))
].filter((f) => f.endsWith('.md'))

it.each(docs)('%s links only to files that exist', (file) => {
  const text = readFileSync(join(ROOT, file), 'utf8').replace(/```[\s\S]*?```/g, '')
  const broken: string[] = []
  for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    const url = m[1] as string
    if (/^(https?:|mailto:|#)/.test(url)) continue
    const path = url.split('#')[0] as string
    if (!existsSync(join(ROOT, dirname(file), path))) broken.push(url)
  }
  expect(broken).toEqual([])
})
