import { say } from '../../text/escape.js'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Project, QlikApi } from '../../qlik/api.js'
import { readPackageInfo } from '../../package/package.js'
import { slug, type ComputedBindings, type StepContext } from '../context.js'
import { redactBackup } from '../secrets.js'
import { exportValidPackage, savePackageArtifact } from './export.js'

export const BACKUP = 'Back up the target project'

/**
 * Export the target project as it is now (ALL, with its bindings) and keep it as an artifact;
 * values from the environment or equal to a secret are kept as placeholders (secrets.ts).
 */
export async function backupTarget(
  ctx: StepContext,
  api: QlikApi,
  project: Project,
  b: Pick<ComputedBindings, 'templates' | 'secrets'>
): Promise<{ name: string }> {
  const exported = await exportValidPackage(ctx, api, project, 'ALL', true, BACKUP)
  const { zip, replaced } = redactBackup(exported.zip, b.templates, b.secrets)
  const info = replaced.length ? readPackageInfo(zip) : exported.info
  if (replaced.length)
    ctx.log.info(
      `The backup keeps ${replaced.length} binding value(s) that came from the environment or equal a secret as placeholders, not in clear: ${replaced.join(', ')}`
    )
  const dir = join(ctx.deps.workDir, 'backup')
  mkdirSync(dir, { recursive: true })
  const zipPath = join(dir, `${slug(project.name)}.zip`)
  writeFileSync(zipPath, zip)
  const now = new Date(ctx.deps.clock.now())
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')
  const name = `qlik-di-backup-${slug(project.name)}-${slug(api.host.split(/[.:]/)[0] ?? 'target')}-${stamp}`
  const stored = await savePackageArtifact(ctx, name, dir, zipPath, {
    kind: 'backup',
    sourceTenant: api.host,
    projectId: project.id,
    projectName: project.name,
    projectType: project.type,
    platformType: project.platformType,
    projectDescription: project.description ?? '',
    exportMode: 'ALL',
    includeBindings: true,
    format: info.format,
    gitRef: ctx.deps.run.ref,
    runId: ctx.deps.run.runId,
    packageSha256: info.sha256,
    packageBytes: info.bytes,
    createdAt: now.toISOString()
  })
  ctx.report.backup = {
    name: stored.name,
    location: stored.location,
    ...(stored.id ? { id: stored.id } : {}),
    ...(stored.url ? { url: stored.url } : {}),
    projectId: project.id,
    sha256: info.sha256
  }
  ctx.log.info(
    say`Backed up ${project.name} (${project.id}) as ${ctx.deps.artifacts.kind} artifact '${stored.name}' (${stored.location})`
  )
  return { name: stored.name }
}

/** How to roll the target back to the version before this run, when a backup was made. */
export function rollbackHint(ctx: StepContext): string | undefined {
  const b = ctx.report.backup
  if (!b) return undefined
  const fromOtherRun =
    ctx.o.artifactRunId === undefined && ctx.deps.artifacts.kind === 'github'
      ? ` (from another run: artifact-run-id: ${ctx.deps.run.runId} and github-token)`
      : ''
  const cli =
    ctx.deps.artifacts.kind === 'local'
      ? ` (command line: qlik-di-promote --mode deploy --artifact-name ${b.name} --target-tenant ${ctx.o.target?.url ?? ''} --target-space ${ctx.report.target?.spaceId ?? ''} --target-project ${b.projectId} --allow-recreate)`
      : ''
  return (
    `roll back to the version before this run: run this action with mode: deploy, artifact-name: ${b.name}${fromOtherRun}` +
    `, target-project: ${b.projectId}, and allow-recreate: true if this version added datasets${cli}`
  )
}
