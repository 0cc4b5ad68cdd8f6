import * as core from '@actions/core'
import type { Annotation, Reporter } from '../pipeline/ports.js'

/** Reporter for the action: log groups, annotations for warnings and errors. */
export class ActionReporter implements Reporter {
  info(m: string): void {
    core.info(m)
  }
  warning(m: string, a?: Annotation): void {
    core.warning(m, a?.title ? { title: a.title } : {})
  }
  error(m: string, a?: Annotation): void {
    core.error(m, a?.title ? { title: a.title } : {})
  }
  debug(m: string): void {
    core.debug(m)
  }
  group<T>(name: string, fn: () => Promise<T>): Promise<T> {
    return core.group(name, fn)
  }
}
