import { main } from './cli.js'

/** Run the command line with this process's arguments; the exit code is main's. */
export function runCommandLine(): void {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code
      // cancelled: the account is out; a request abandoned in flight must not keep the process
      if (code === 130) process.exit()
    },
    (e: unknown) => {
      process.stderr.write(
        `qlik-di-promote: unexpected error: ${(e as Error).stack ?? String(e)}\n`
      )
      process.exitCode = 1
    }
  )
}
