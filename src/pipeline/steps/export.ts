import { say } from '../../text/escape.js'
import { mkdirSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { PackageReadError, readPackageInfo, type PackageInfo } from '../../package/package.js'
import type { Project, QlikApi } from '../../qlik/api.js'
import { defaultArtifactName, slug, type StepContext } from '../context.js'
import { PipelineError } from '../errors.js'
import { writeManifest, type ManifestInput } from '../manifest.js'
import type { StoredArtifact } from '../ports.js'

/**
 * Export a project and check the package. Export changes nothing on the tenant: a corrupt or
 * truncated body is exported once more; twice in a row is an error naming tenant and endpoint.
 */
// eslint-disable-next-line max-params -- issue 33: to take one named object (known when the rule came in)
export async function exportValidPackage(
  ctx: StepContext,
  api: QlikApi,
  project: Project,
  mode: string,
  includeBindings: boolean,
  step: string
): Promise<{ zip: Uint8Array; info: PackageInfo }> {
  for (let attempt = 1; ; attempt++) {
    const zip = await api.exportProject(project.id, mode, includeBindings)
    try {
      return { zip, info: readPackageInfo(zip) }
    } catch (e) {
      if (!(e instanceof PackageReadError)) throw e
      if (attempt === 2) {
        throw new PipelineError(
          `The export of '${project.name}' (${project.id}) from the ${api.tenant} tenant ${api.host} ` +
            `(POST /api/v1/di-projects/${project.id}/actions/export, mode ${mode}) is not a valid package twice in a row: ${e.message}`,
          step
        )
      }
      ctx.log.warning(
        `The exported package is not valid (${e.message}); exporting it again from ${api.host}.`
      )
    }
  }
}

export const EXPORT = 'Export the source project'

export async function exportPackage(
  ctx: StepContext,
  api: QlikApi,
  src: Project
): Promise<{ info: PackageInfo; path: string }> {
  if (ctx.o.exportMode === 'LEGACY')
    ctx.log.warning(
      "export-mode LEGACY is deprecated by Qlik and will be removed from the API: export with MINIMAL (recommended) or ALL, Qlik's YAML layout, and import it with import-async."
    )
  const { zip, info } = await exportValidPackage(
    ctx,
    api,
    src,
    ctx.o.exportMode,
    ctx.o.includeBindings,
    EXPORT
  )
  mkdirSync(ctx.deps.workDir, { recursive: true })
  const path = join(ctx.deps.workDir, `${slug(src.name)}.zip`)
  writeFileSync(path, zip)
  ctx.report.package = {
    path,
    sha256: info.sha256,
    bytes: info.bytes,
    format: info.format,
    exportMode: ctx.o.exportMode,
    declared: info.declared
  }
  ctx.log.info(
    `Exported ${info.format} package (${ctx.o.exportMode}): ${info.bytes} bytes, sha256 ${info.sha256}, ${info.declared.length} binding variable(s)`
  )
  return { info, path }
}

/** Save a package and its manifest as one artifact (exports and backups alike). */
// eslint-disable-next-line max-params -- issue 33: to take one named object (known when the rule came in)
export async function savePackageArtifact(
  ctx: StepContext,
  name: string,
  dir: string,
  zipPath: string,
  manifest: ManifestInput
): Promise<StoredArtifact> {
  const manifestPath = join(dir, 'manifest.json')
  writeManifest(manifestPath, { ...manifest, packageFile: basename(zipPath) })
  return ctx.deps.artifacts.save(name, [zipPath, manifestPath], dir, ctx.o.retentionDays)
}

/**
 * Keep a package as an artifact with its manifest: an export of the source project, or (kind
 * folder) a package built from package-dir.
 */
// eslint-disable-next-line max-params -- issue 33: to take one named object (known when the rule came in)
export async function storeArtifact(
  ctx: StepContext,
  src: Project,
  zipPath: string,
  info: PackageInfo,
  origin: { kind: 'export' } | { kind: 'folder'; sourceDir: string } = { kind: 'export' }
): Promise<void> {
  const name = ctx.o.artifactName || defaultArtifactName(src.name, ctx.deps.run.ref)
  const run = ctx.deps.run
  const stored = await savePackageArtifact(ctx, name, ctx.deps.workDir, zipPath, {
    ...origin,
    ...(origin.kind === 'export'
      ? {
          ...(ctx.report.source?.tenant ? { sourceTenant: ctx.report.source.tenant } : {}),
          projectId: src.id,
          exportMode: ctx.o.exportMode,
          includeBindings: ctx.o.includeBindings
        }
      : {}),
    projectName: src.name,
    projectType: src.type,
    platformType: src.platformType,
    projectDescription: src.description ?? '',
    format: info.format,
    gitRef: run.ref,
    gitSha: run.sha,
    repository: run.repository,
    runId: run.runId,
    packageSha256: info.sha256,
    packageBytes: info.bytes,
    declaredVariables: info.declared,
    createdAt: new Date(ctx.deps.clock.now()).toISOString()
  })
  ctx.report.artifact = {
    kind: ctx.deps.artifacts.kind,
    ...(stored.id ? { id: stored.id } : {}),
    ...(stored.url ? { url: stored.url } : {}),
    name: stored.name,
    location: stored.location
  }
  ctx.log.info(
    say`Package kept as ${ctx.deps.artifacts.kind} artifact '${stored.name}' (${stored.location})`
  )
}
