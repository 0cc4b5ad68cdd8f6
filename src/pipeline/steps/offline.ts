import { oneLine } from '../../text/escape.js'
import { readFileSync, statSync, existsSync } from 'node:fs'
import { relative, resolve as resolvePath } from 'node:path'
import {
  FolderError,
  legacyWarning,
  readProjectFolder,
  sizeProblems,
  zipDeterministic
} from '../../package/folder.js'
import { PackageContent } from '../../package/content.js'
import {
  formatProblem,
  LEGACY_REGISTRY_FILE,
  PackageFormatError,
  PackageRefusedError,
  PROJECT_FILE,
  REGISTRY_FILE,
  unzipPackage,
  withStrictness,
  type FileMap,
  type Problem
} from '../../package/layout.js'
import { sha256 } from '../../package/package.js'
import type { StepContext } from '../context.js'
import { InputError, PipelineError } from '../errors.js'

export const CHECK = 'Check the package offline'

export interface CheckedPackage {
  /** The folder or ZIP that was checked, as given. */
  source: string
  /** How many files the package holds. */
  files: number
  /** The package read once: its definition for the rest of the run. */
  content: PackageContent
  zip: Uint8Array
  problems: Problem[]
  leftOut: string[]
}

/** The package's one parse, said in the debug log (a run parses its package once). */
export const parseNote =
  (ctx: StepContext) =>
  (files: number, ms: number): void =>
    ctx.log.debug(`Parsed the package: ${files} file(s) in ${Math.round(ms)} ms`)

/**
 * Read package-dir (a project folder) or zip-path and check it against Qlik's layout and schemas.
 * A folder or ZIP that cannot be read is bad input; a readable one comes back with its problems.
 */
export function readAndCheck(ctx: StepContext, step: string): CheckedPackage {
  const { o } = ctx
  // parsed first, zipped after: the parser's peak and the ZIP's buffers never overlap
  const check = (
    source: string,
    files: FileMap,
    zipOf: () => Uint8Array,
    leftOut: string[]
  ): CheckedPackage => {
    noteRegistry(ctx, files)
    const content = PackageContent.ofFiles(files, parseNote(ctx))
    const { problems } = content.read()
    const zip = zipOf()
    return {
      source,
      files: Object.keys(files).length,
      content,
      zip,
      problems: withStrictness([...problems, ...sizeProblems(zip.length)], o.strictSchemas),
      leftOut
    }
  }
  if (o.packageDir) {
    let folder
    try {
      folder = readProjectFolder(resolvePath(o.packageDir))
    } catch (e) {
      if (e instanceof FolderError) throw new InputError(e.message, step)
      throw e
    }
    const files = folder.files
    if (folder.legacy.length > 0)
      ctx.log.warning(legacyWarning(folder.legacy), { title: 'Project folder' })
    return check(o.packageDir, files, () => zipDeterministic(files), folder.leftOut)
  }
  const path = resolvePath(o.zipPath)
  if (!existsSync(path)) throw new InputError(`Input 'zip-path': no file ${path}.`, step)
  if (!statSync(path).isFile())
    throw new InputError(`Input 'zip-path': ${path} is not a file.`, step)
  const zip = new Uint8Array(readFileSync(path))
  try {
    return check(o.zipPath, unzipPackage(zip), () => zip, [])
  } catch (e) {
    // a hostile archive is a finding (exit 1); one that is not a ZIP at all, a bad input (exit 2)
    if (e instanceof PackageRefusedError)
      throw new PipelineError(`Input 'zip-path': ${e.message}`, step)
    if (e instanceof PackageFormatError)
      throw new InputError(`Input 'zip-path': ${e.message}`, step)
    throw e
  }
}

/** Say which registry name a YAML package uses when it is not today's. */
function noteRegistry(ctx: StepContext, files: FileMap): void {
  if (PROJECT_FILE in files && LEGACY_REGISTRY_FILE in files && !(REGISTRY_FILE in files))
    ctx.log.info(
      `The binding variables are declared in ${LEGACY_REGISTRY_FILE} (the name exports of May 2026 use; today's exports write ${REGISTRY_FILE}).`
    )
}

/**
 * Where a problem's file is, relative to the workspace (the runner's, else the working
 * directory): the path an annotation on the file needs.
 */
export function problemPath(ctx: StepContext, p: Problem): string | undefined {
  if (!ctx.o.packageDir || p.file.startsWith('(')) return undefined
  const base = ctx.deps.run.workspace
  return relative(base, resolvePath(ctx.o.packageDir, p.file)).split('\\').join('/')
}

/** Log each problem, as an annotation on its file and line when it is in a folder. */
export function reportProblems(ctx: StepContext, problems: Problem[]): void {
  for (const p of problems) {
    const file = problemPath(ctx, p)
    const annotation = {
      title: p.level === 'ERROR' ? 'Invalid project definition' : 'Project definition',
      ...(file ? { file } : {}),
      ...(p.line !== undefined ? { startLine: p.line } : {})
    }
    if (p.level === 'ERROR') ctx.log.error(formatProblem(p), annotation)
    else ctx.log.warning(formatProblem(p), annotation)
  }
}

/** Mode validate: check the package, report every problem, fail when one is an error. */
export async function validateOffline(ctx: StepContext): Promise<void> {
  const checked = readAndCheck(ctx, CHECK)
  const errors = checked.problems.filter((p) => p.level === 'ERROR')
  ctx.report.validation = {
    source: checked.source,
    valid: errors.length === 0,
    files: checked.files,
    bytes: checked.zip.length,
    sha256: sha256(checked.zip),
    problems: checked.problems.map((p) => ({
      ...p,
      ...(problemPath(ctx, p) ? { path: problemPath(ctx, p) } : {})
    })),
    leftOut: checked.leftOut
  }
  reportProblems(ctx, checked.problems)
  if (checked.leftOut.length > 0)
    ctx.log.info(`Not part of the package (left out): ${checked.leftOut.map(oneLine).join(', ')}`)
  const files = checked.files
  if (errors.length > 0) {
    throw new PipelineError(
      `${checked.source} is not a valid project package: ${errors.length} error(s) in ${files} file(s).\n` +
        errors.map((p) => `  ${formatProblem(p)}`).join('\n'),
      CHECK
    )
  }
  ctx.log.info(
    `${checked.source} is a valid project package: ${files} file(s), ${checked.zip.length} bytes zipped, sha256 ${sha256(checked.zip)}` +
      (checked.problems.length > 0 ? ` (${checked.problems.length} warning(s))` : '')
  )
}
