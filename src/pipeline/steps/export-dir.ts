import { readFileSync } from 'node:fs'
import { resolve as resolvePath } from 'node:path'
import { extractToFolder, FolderError, legacyWarning } from '../../package/folder.js'
import type { StepContext } from '../context.js'
import { PipelineError } from '../errors.js'

export const WRITE_FOLDER = 'Write the package into export-dir'

/**
 * export-dir: the exported package as a folder of the workspace, normalised for review in git
 * (stable key order, LF, no bindings.json); files of tasks that are gone are deleted.
 */
export function writeExportDir(ctx: StepContext, zipPath: string): string {
  const dir = resolvePath(ctx.o.exportDir)
  let result
  try {
    result = extractToFolder(new Uint8Array(readFileSync(zipPath)), dir)
  } catch (e) {
    if (e instanceof FolderError)
      throw new PipelineError(`Input 'export-dir': ${e.message}`, WRITE_FOLDER)
    throw e
  }
  ctx.report.exportDir = { dir, written: result.written, removed: result.removed }
  if (result.legacy.length > 0)
    ctx.log.warning(legacyWarning(result.legacy), { title: 'export-dir' })
  ctx.log.info(
    `Wrote ${result.written.length} file(s) into ${dir}` +
      (result.removed.length > 0
        ? `; removed ${result.removed.length} that the project no longer has: ${result.removed.join(', ')}`
        : '') +
      (result.skipped.length > 0
        ? ` (not written: ${result.skipped.join(', ')}: values stay out of git)`
        : '')
  )
  return `${result.written.length} file(s) written, ${result.removed.length} removed`
}
