import { QlikApiError } from '../qlik/errors.js'

/** A failure the pipeline explains itself: the message is meant for the user as is. */
export class PipelineError extends Error {
  constructor(
    message: string,
    readonly step: string,
    /** Bad input found before any request to a tenant (the CLI exits 2). */
    readonly badInput = false
  ) {
    super(message)
    this.name = 'PipelineError'
  }
}

/** Bad input, named after its input, found before any request to a tenant. */
export class InputError extends PipelineError {
  constructor(message: string, step: string) {
    super(message, step, true)
    this.name = 'InputError'
  }
}

export function explain(e: unknown, step: string): string {
  if (e instanceof QlikApiError) return `${step}: ${e.message}`
  return `${step}: ${(e as Error).message ?? String(e)}`
}
