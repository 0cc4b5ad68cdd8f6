import { runCommandLine } from './cli-run.js'
import { run } from './main.js'

/**
 * One bundle for the action and the command line, so dist/ carries one copy of everything (the
 * artifact client alone is megabytes): dist/cli/index.js is a stub that sets this flag and imports
 * dist/index.js.
 */
if ((globalThis as { __qlikDiPromoteCli?: boolean }).__qlikDiPromoteCli) runCommandLine()
else void run()
