#!/usr/bin/env node
// The command line of the bundle (package.json "bin"): the same bundle as the action, told to run
// as the command line. Copied to dist/cli/index.js by `npm run package`.
// `qlik-di-promote simulator ...`: the bundled simulator (a bundle of its own, dist/simulator/).
if (process.argv[2] === 'simulator') {
  process.argv.splice(2, 1)
  await import('../simulator/index.js')
} else {
  globalThis.__qlikDiPromoteCli = true
  await import('../index.js')
}
