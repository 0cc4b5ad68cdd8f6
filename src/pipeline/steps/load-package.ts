import { oneLine } from '../../text/escape.js'
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { basename, dirname, join, resolve as resolvePath } from 'node:path'
import { PackageReadError, readPackageInfo, type PackageInfo } from '../../package/package.js'
import type { Project } from '../../qlik/api.js'
import type { SourcePackage, StepContext } from '../context.js'
import { InputError } from '../errors.js'
import { readManifest, type Manifest } from '../manifest.js'
import { formatProblem } from '../../package/layout.js'
import { PackageContent } from '../../package/content.js'
import { slug } from '../context.js'
import { storeArtifact } from './export.js'
import { parseNote, readAndCheck, reportProblems } from './offline.js'

export const LOAD = 'Get the package'

/** Mode deploy: the package from zip-path or an artifact, its digest checked against the manifest. */
// eslint-disable-next-line max-lines-per-function -- issue 33: to be split (known when the rule came in)
export async function loadPackage(ctx: StepContext, targetHost: string): Promise<SourcePackage> {
  const { o, log, report } = ctx
  if (o.packageDir) return loadFolder(ctx)
  let zipPath: string
  let manifestPath: string | undefined
  let where: string
  if (o.zipPath) {
    zipPath = resolvePath(o.zipPath)
    if (!existsSync(zipPath)) throw new InputError(`Input 'zip-path': no file ${zipPath}.`, LOAD)
    if (!statSync(zipPath).isFile())
      throw new InputError(
        `Input 'zip-path': ${zipPath} is not a file (a directory?); give the package ZIP itself.`,
        LOAD
      )
    const beside = join(dirname(zipPath), 'manifest.json')
    manifestPath = existsSync(beside) ? beside : undefined
    where = zipPath
  } else {
    const dest = join(ctx.deps.workDir, 'download')
    const from =
      o.artifactRunId !== undefined
        ? { runId: o.artifactRunId, token: o.githubToken, repository: ctx.deps.run.repository }
        : undefined
    let got
    try {
      got = await ctx.deps.artifacts.load(o.artifactName, dest, from)
    } catch (e) {
      throw new InputError(
        `Input 'artifact-name': cannot get artifact '${o.artifactName}'${o.artifactRunId !== undefined ? ` of run ${o.artifactRunId}` : ''}: ${(e as Error).message}`,
        LOAD
      )
    }
    const zips = got.files.filter((f) => f.endsWith('.zip'))
    if (zips.length !== 1) {
      throw new InputError(
        `Input 'artifact-name': artifact '${o.artifactName}' (${got.location}) should hold one package ZIP and manifest.json; it holds: ${got.files.map((f) => basename(f)).join(', ') || 'nothing'}.`,
        LOAD
      )
    }
    zipPath = zips[0] as string
    manifestPath = got.files.find((f) => basename(f) === 'manifest.json')
    if (!manifestPath) {
      throw new InputError(
        `Input 'artifact-name': artifact '${o.artifactName}' has no manifest.json: it was not made by this action's export.`,
        LOAD
      )
    }
    where = `artifact '${o.artifactName}' (${got.location})`
    report.artifact = {
      kind: ctx.deps.artifacts.kind,
      ...(got.id ? { id: got.id } : {}),
      ...(got.url ? { url: got.url } : {}),
      name: o.artifactName,
      location: got.location
    }
  }
  let info: PackageInfo
  try {
    info = readPackageInfo(readFileSync(zipPath))
  } catch (e) {
    if (e instanceof PackageReadError)
      throw new InputError(`The package ${where} cannot be used: ${e.message}`, LOAD)
    throw e
  }
  const manifest = manifestPath ? readManifest(manifestPath, LOAD) : undefined
  if (manifest) {
    if (manifest.packageSha256 !== info.sha256) {
      throw new InputError(
        `The package ${where} has sha256 ${info.sha256}, but its manifest says ${manifest.packageSha256}: ` +
          'it was changed after the export. Refusing to deploy it.',
        LOAD
      )
    }
  } else {
    log.warning(
      `No manifest.json beside ${zipPath}: the package's digest cannot be checked against its export.`
    )
  }
  report.package = {
    path: zipPath,
    sha256: info.sha256,
    bytes: info.bytes,
    format: info.format,
    exportMode: manifest?.exportMode ?? '',
    declared: info.declared
  }
  const src = sourceOf(manifest, info, o.targetProject)
  if (manifest?.projectId)
    report.source = {
      tenant: manifest.sourceTenant ?? '',
      projectId: manifest.projectId,
      projectName: src.name
    }
  log.info(`Package from ${where}: ${info.format}, ${info.bytes} bytes, sha256 ${info.sha256}`)
  return {
    src,
    info,
    path: zipPath,
    content: PackageContent.ofZipFile(zipPath, parseNote(ctx)),
    manifest: manifest !== undefined,
    restoredBindings: backupBindings(ctx, manifest, info, targetHost)
  }
}

/** The project the package came from: the manifest's word, else the package's own. */
function sourceOf(
  manifest: Manifest | undefined,
  info: PackageInfo,
  targetProject: string
): Project {
  const type = manifest?.projectType ?? info.projectType
  const platformType = manifest?.platformType ?? info.platformType
  const src: Project = {
    id: manifest?.projectId ?? '',
    name: manifest?.projectName ?? targetProject,
    ...(type ? { type } : {}),
    ...(platformType ? { platformType } : {}),
    ...(typeof manifest?.projectDescription === 'string'
      ? { description: manifest.projectDescription }
      : {})
  }
  if (!src.name) {
    throw new InputError(
      "Input 'target-project' is required to deploy a package without a manifest (the project name is not known).",
      LOAD
    )
  }
  return src
}

/** A backup of this same target brings its saved bindings back; one of another tenant does not. */
function backupBindings(
  ctx: StepContext,
  manifest: Manifest | undefined,
  info: PackageInfo,
  targetHost: string
): Record<string, string | null> {
  if (manifest?.kind !== 'backup' || !info.shippedBindings) return {}
  if (manifest.sourceTenant === targetHost) {
    ctx.log.info(
      `This is a backup of ${manifest.projectName ?? ''} on this tenant: its ${Object.keys(info.shippedBindings).length} saved binding(s) are restored (the bindings input overrides them).`
    )
    return info.shippedBindings
  }
  ctx.log.warning(
    `This backup was made on ${manifest.sourceTenant ?? '?'}, not on ${targetHost}: its saved bindings are not used.`
  )
  return {}
}

/**
 * package-dir: a project folder of the repository, checked offline (schemas, variables, task
 * folders, size) before any request, zipped deterministically and kept as an artifact with its
 * manifest, then deployed like an exported package.
 */
async function loadFolder(ctx: StepContext): Promise<SourcePackage> {
  const { o, log, report } = ctx
  const checked = readAndCheck(ctx, LOAD)
  reportProblems(ctx, checked.problems)
  const errors = checked.problems.filter((p) => p.level === 'ERROR')
  if (errors.length > 0) {
    throw new InputError(
      `Input 'package-dir': ${o.packageDir} is not a valid project package (${errors.length} error(s)); nothing was sent to any tenant.\n` +
        errors.map((p) => `  ${formatProblem(p)}`).join('\n') +
        `\nCheck it locally with: qlik-di-promote validate --package-dir ${o.packageDir}`,
      LOAD
    )
  }
  const def = checked.content.read().definition
  const name = o.targetProject || def?.project.name || ''
  if (!name) {
    throw new InputError(
      "Input 'target-project' is required with 'package-dir': qtcp_project.yaml names the project with the {{projectName}} variable, so the folder does not say which project to deploy to.",
      LOAD
    )
  }
  mkdirSync(ctx.deps.workDir, { recursive: true })
  const zipPath = join(ctx.deps.workDir, `${slug(name)}.zip`)
  writeFileSync(zipPath, checked.zip)
  const info = readPackageInfo(checked.zip)
  const src: Project = {
    id: '',
    name,
    ...(info.projectType ? { type: info.projectType } : {}),
    ...(info.platformType ? { platformType: info.platformType } : {}),
    ...(def?.project.description ? { description: def.project.description } : {})
  }
  // a drift check only reads: it keeps no artifact
  if (o.mode !== 'drift')
    await storeArtifact(ctx, src, zipPath, info, { kind: 'folder', sourceDir: o.packageDir })
  report.package = {
    path: zipPath,
    sha256: info.sha256,
    bytes: info.bytes,
    format: info.format,
    exportMode: 'folder',
    declared: info.declared
  }
  log.info(
    `Package built from ${o.packageDir}: ${checked.files} file(s), ${info.bytes} bytes, sha256 ${info.sha256}` +
      (checked.leftOut.length > 0 ? ` (left out: ${checked.leftOut.map(oneLine).join(', ')})` : '')
  )
  return {
    src,
    info,
    path: zipPath,
    content: checked.content,
    manifest: true,
    restoredBindings: {}
  }
}
