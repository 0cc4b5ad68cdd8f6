import { readdirSync } from 'node:fs'

/**
 * dist/ holds the bundles and nothing else: the bundler copies into it any folder whose path it can
 * work out from the sources (a local run's .qlik-di-promote/ with its artifacts had ended up there).
 */
it('dist/ holds the bundles only', () => {
  const entries = readdirSync(new URL('../dist/', import.meta.url)).sort()
  for (const e of entries)
    expect(e).toMatch(/^(\d+\.index\.js|index\.js|licenses\.txt|package\.json|cli|post|simulator)$/)
  expect(entries).toEqual(expect.arrayContaining(['cli', 'index.js', 'post', 'simulator']))
})
