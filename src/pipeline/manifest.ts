import { readFileSync, writeFileSync } from 'node:fs'
import { z } from 'zod'
import { InputError } from './errors.js'

/**
 * manifest.json, written beside every package this action keeps as an artifact (exports and
 * backups) and read back when one is deployed. One schema for both directions.
 */

export const manifestSchema = z.looseObject({
  /** 'export' (a release), 'backup' (a target before a deploy) or 'folder' (built from package-dir). */
  kind: z.enum(['export', 'backup', 'folder']).default('export'),
  /** kind folder: the repository folder the package was built from. */
  sourceDir: z.string().optional(),
  sourceTenant: z.string().optional(),
  projectId: z.string().optional(),
  projectName: z.string().optional(),
  projectType: z.string().nullish(),
  platformType: z.string().nullish(),
  projectDescription: z.string().nullish(),
  exportMode: z.string().optional(),
  includeBindings: z.boolean().optional(),
  format: z.string().optional(),
  gitRef: z.string().optional(),
  gitSha: z.string().optional(),
  repository: z.string().optional(),
  runId: z.string().optional(),
  packageFile: z.string().optional(),
  packageSha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be a sha256 hex digest'),
  packageBytes: z.number().int().nonnegative().optional(),
  declaredVariables: z.array(z.string()).optional(),
  createdAt: z.string().optional()
})
export type Manifest = z.output<typeof manifestSchema>
export type ManifestInput = z.input<typeof manifestSchema>

export function writeManifest(path: string, m: ManifestInput): void {
  const checked = manifestSchema.parse(m)
  writeFileSync(path, `${JSON.stringify(checked, null, 2)}\n`)
}

/** Read and check a manifest; a broken one is bad input (nothing has been sent yet). */
export function readManifest(path: string, step: string): Manifest {
  let doc: unknown
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'))
  } catch (e) {
    throw new InputError(`The manifest ${path} is not valid JSON: ${(e as Error).message}`, step)
  }
  const r = manifestSchema.safeParse(doc)
  if (!r.success) {
    const issue = r.error.issues[0]
    throw new InputError(
      `The manifest ${path} is not one this action wrote: ${issue ? `${issue.path.join('.') || '(top)'}: ${issue.message}` : 'invalid'}.`,
      step
    )
  }
  return r.data
}
