#!/usr/bin/env node
// The command line from the sources (`npm run promote`); the bundle's is dist/cli/index.js.
import { runCommandLine } from './cli-run.js'

runCommandLine()
