import * as core from '@actions/core'
import type { Annotation, Reporter } from '../pipeline/ports.js'
import { logLines, oneLine } from '../text/escape.js'

/**
 * Reporter for the action: log groups, annotations for warnings and errors. Every message goes
 * through logLines: whatever data it carries, no line of it is a workflow command.
 */
export class ActionReporter implements Reporter {
  info(m: string): void {
    core.info(logLines(m))
  }
  warning(m: string, a?: Annotation): void {
    core.warning(logLines(m), properties(a))
  }
  error(m: string, a?: Annotation): void {
    core.error(logLines(m), properties(a))
  }
  debug(m: string): void {
    core.debug(logLines(m))
  }
  group<T>(name: string, fn: () => Promise<T>): Promise<T> {
    return core.group(oneLine(name), fn)
  }
  /** The step's failure (an error annotation and exit code 1). */
  fail(m: string): void {
    core.setFailed(logLines(m))
  }
}

const properties = (a: Annotation | undefined): core.AnnotationProperties => ({
  ...(a?.title ? { title: oneLine(a.title) } : {}),
  ...(a?.file ? { file: a.file } : {}),
  ...(a?.startLine !== undefined ? { startLine: a.startLine } : {})
})
