#!/usr/bin/env node
// The command line of the bundle (package.json "bin"): the same bundle as the action, told to run
// as the command line. Copied to dist/cli/index.js by `npm run package`.
globalThis.__qlikDiPromoteCli = true
await import('../index.js')
