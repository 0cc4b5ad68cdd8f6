import * as core from '@actions/core'
import type { Annotation, Reporter } from '../pipeline/ports.js'

/** Reporter for the action: log groups, annotations for warnings and errors. */
export class ActionReporter implements Reporter {
  info(m: string): void {
    core.info(m)
  }
  warning(m: string, a?: Annotation): void {
    core.warning(m, properties(a))
  }
  error(m: string, a?: Annotation): void {
    core.error(m, properties(a))
  }
  debug(m: string): void {
    core.debug(m)
  }
  group<T>(name: string, fn: () => Promise<T>): Promise<T> {
    return core.group(name, fn)
  }
}

const properties = (a: Annotation | undefined): core.AnnotationProperties => ({
  ...(a?.title ? { title: a.title } : {}),
  ...(a?.file ? { file: a.file } : {}),
  ...(a?.startLine !== undefined ? { startLine: a.startLine } : {})
})
