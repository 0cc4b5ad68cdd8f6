// Preloaded by the benchmark (node --import): report this process's peak RSS when it exits.
import { writeSync } from 'node:fs'
process.on('exit', () => {
  writeSync(2, `\nBENCH_MAXRSS_KB ${process.resourceUsage().maxRSS}\n`)
})
