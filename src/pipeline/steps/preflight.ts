import type { PackageBody, QlikApi } from '../../qlik/api.js'
import type { StepContext } from '../context.js'
import { PipelineError } from '../errors.js'

export const PREFLIGHT = 'Pre-flight check of the package'

/**
 * validate-project-definitions: a POST that only reads the package. A dry run sends nothing but
 * reads to the target, so it runs on the source tenant there, and is left out without one.
 */
export async function preflight(
  ctx: StepContext,
  checker: QlikApi | undefined,
  zip: PackageBody
): Promise<{ skipped: boolean; detail: string }> {
  if (!checker) {
    const detail =
      'dry run without a source tenant: validate-project-definitions is a POST, not sent to the target'
    ctx.log.info(`Pre-flight: ${detail}`)
    return { skipped: true, detail }
  }
  const reports = await checker.validateDefinitions(zip)
  ctx.report.preflight = reports.map((r) => ({
    level: r.level,
    path: r.path ?? '',
    reason: r.reason ?? ''
  }))
  const errors = reports.filter((r) => r.level === 'ERROR')
  for (const w of reports.filter((r) => r.level !== 'ERROR'))
    ctx.log.warning(`Pre-flight: ${w.path ?? ''}: ${w.reason ?? ''}`)
  if (errors.length > 0) {
    throw new PipelineError(
      `The ${checker.tenant} tenant ${checker.host} found ${errors.length} error(s) in the package (validate-project-definitions): ` +
        errors.map((r) => `${r.path ?? ''}: ${r.reason ?? ''}`).join('; ') +
        '. Fix the project in the source tenant and export again.',
      PREFLIGHT
    )
  }
  return {
    skipped: false,
    detail: `${errors.length} error(s), ${reports.length - errors.length} warning(s)`
  }
}
