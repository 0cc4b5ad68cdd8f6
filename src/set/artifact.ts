import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  writeFileSync
} from 'node:fs'
import { quote } from '../text/escape.js'
import { basename, join } from 'node:path'
import { z } from 'zod'
import type { Options } from '../options.js'
import { defaultArtifactName, slug } from '../pipeline/context.js'
import { InputError } from '../pipeline/errors.js'
import type {
  ArtifactStore,
  LoadedArtifact,
  RunContext,
  StoredArtifact
} from '../pipeline/ports.js'
import type { ProjectEntry } from './file.js'
import { runProjectSet, type SetRun } from './schedule.js'
import type { Cancellation } from '../pipeline/cancel.js'
import type { RunReport } from '../model/report.js'

/**
 * Build once, deploy many for a set of projects: `mode: export` with a projects-file exports every
 * project and keeps them as ONE artifact (each package with its manifest, and set.json, the set's
 * manifest: order, names, digests); `mode: deploy` with the same projects-file and that
 * artifact-name deploys each package in dependency order, each checked against its digest.
 */

export const SET_MANIFEST = 'set.json'

/** A file of the artifact, by its plain name: set.json cannot point anywhere else. */
const fileOfArtifact = z
  .string()
  // eslint-disable-next-line no-control-regex -- a file name without control characters
  .regex(/^(?!\.{1,2}$)[^/\\\u0000-\u001f]+$/, 'must be the plain name of a file in the artifact')

const setManifestSchema = z.looseObject({
  kind: z.literal('set'),
  projects: z.array(
    z.looseObject({
      name: z.string(),
      package: fileOfArtifact,
      manifest: fileOfArtifact,
      sha256: z.string().regex(/^[0-9a-f]{64}$/)
    })
  ),
  gitRef: z.string().optional(),
  gitSha: z.string().optional(),
  createdAt: z.string().optional()
})
type SetManifest = z.output<typeof setManifestSchema>

/** An artifact store that collects one project's files into the set's folder instead of uploading. */
class CollectingStore implements ArtifactStore {
  readonly kind: ArtifactStore['kind']
  constructor(
    private readonly real: ArtifactStore,
    private readonly dir: string,
    private readonly prefix: string,
    private readonly setName: string
  ) {
    this.kind = real.kind
  }
  async save(_name: string, files: string[]): Promise<StoredArtifact> {
    mkdirSync(this.dir, { recursive: true })
    for (const f of files) {
      const to = basename(f) === 'manifest.json' ? `${this.prefix}.manifest.json` : basename(f)
      copyFileSync(f, join(this.dir, to))
    }
    return { name: this.setName, location: `${this.dir} (kept in artifact '${this.setName}')` }
  }
  load(
    name: string,
    dest: string,
    from?: Parameters<ArtifactStore['load']>[2]
  ): Promise<LoadedArtifact> {
    return this.real.load(name, dest, from)
  }
}

export interface SetRunner {
  /** Run one project's pipeline with these options, work dir and artifact store. */
  (o: Options, workDir: string, artifacts: ArtifactStore, name: string): Promise<RunReport>
}

// eslint-disable-next-line max-params -- issue 33: to take one named object (known when the rule came in)
export async function exportSet(
  base: Options,
  entries: ProjectEntry[],
  store: ArtifactStore,
  root: string,
  run: RunContext,
  now: () => number,
  runOne: SetRunner,
  cancel?: Cancellation
): Promise<RunReport> {
  const name = base.artifactName || defaultArtifactName('set', run.ref)
  const dir = join(root, 'set')
  const report = await runProjectSet({
    base: { ...base, artifactName: '' },
    entries,
    runOne: (o, e) =>
      runOne(
        o,
        join(root, slug(e.name)),
        new CollectingStore(store, dir, slug(e.name), name),
        e.name
      ),
    ...(cancel ? { cancel } : {})
  })
  if (report.outcome !== 'succeeded') return report
  const manifest: SetManifest = {
    kind: 'set',
    projects: (report.projectReports ?? []).map((x) => ({
      name: x.name,
      package: basename(x.report.package?.path ?? ''),
      manifest: `${slug(x.name)}.manifest.json`,
      sha256: x.report.package?.sha256 ?? ''
    })),
    gitRef: run.ref,
    gitSha: run.sha,
    createdAt: new Date(now()).toISOString()
  }
  writeFileSync(join(dir, SET_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`)
  const files = [
    join(dir, SET_MANIFEST),
    ...manifest.projects.flatMap((p) => [join(dir, p.package), join(dir, p.manifest)])
  ]
  const stored = await store.save(name, files, dir, base.retentionDays)
  report.artifact = {
    kind: store.kind,
    ...(stored.id ? { id: stored.id } : {}),
    ...(stored.url ? { url: stored.url } : {}),
    name: stored.name,
    location: stored.location
  }
  return report
}

// eslint-disable-next-line max-params, max-lines-per-function -- issue 33: to take one named object (known when the rule came in)
export async function deploySet(
  base: Options,
  entries: ProjectEntry[],
  store: ArtifactStore,
  root: string,
  repository: string,
  runOne: SetRunner,
  lookups?: SetRun['lookups'],
  cancel?: Cancellation
): Promise<RunReport> {
  const STEP = 'Get the set of packages'
  const dest = join(root, 'download')
  const from =
    base.artifactRunId !== undefined
      ? { runId: base.artifactRunId, token: base.githubToken, repository }
      : undefined
  let got: LoadedArtifact
  try {
    got = await store.load(base.artifactName, dest, from)
  } catch (e) {
    throw new InputError(
      `Input 'artifact-name': cannot get artifact '${base.artifactName}': ${(e as Error).message}`,
      STEP
    )
  }
  const setPath = got.files.find((f) => basename(f) === SET_MANIFEST)
  if (!setPath)
    throw new InputError(
      `Input 'artifact-name': artifact '${base.artifactName}' has no ${SET_MANIFEST}: it is not a set exported with projects-file.`,
      STEP
    )
  let doc: unknown
  try {
    doc = JSON.parse(readFileSync(setPath, 'utf8'))
  } catch (e) {
    throw new InputError(
      `Input 'artifact-name': ${SET_MANIFEST} is not valid JSON: ${(e as Error).message}`,
      STEP
    )
  }
  const parsed = setManifestSchema.safeParse(doc)
  if (!parsed.success)
    throw new InputError(
      `Input 'artifact-name': ${SET_MANIFEST} is not valid: ${parsed.error.issues
        .map((i) => `${i.path.join('.')}: ${i.message}`)
        .join('; ')}`,
      STEP
    )
  const missing = entries.filter((e) => !parsed.data.projects.some((p) => p.name === e.name))
  if (missing.length)
    throw new InputError(
      `Input 'projects-file' lists ${missing.map((m) => `'${m.name}'`).join(', ')}, which artifact '${base.artifactName}' does not hold (it holds ${parsed.data.projects.map((p) => `'${p.name}'`).join(', ')}).`,
      STEP
    )
  // each package in a folder of its own with its manifest beside it, as a single deploy expects
  const place = (e: ProjectEntry): string => {
    const p = parsed.data.projects.find((x) => x.name === e.name) as SetManifest['projects'][number]
    const dir = join(root, 'packages', slug(e.name))
    mkdirSync(dir, { recursive: true })
    for (const [file, to] of [
      [p.package, p.package],
      [p.manifest, 'manifest.json']
    ] as const) {
      const src = join(dest, file)
      if (!existsSync(src) || !lstatSync(src).isFile())
        throw new InputError(
          `Artifact '${base.artifactName}' lacks ${quote(file)} of ${quote(e.name)} (a file of the artifact).`,
          STEP
        )
      copyFileSync(src, join(dir, to))
    }
    return join(dir, p.package)
  }
  const zips = new Map(entries.map((e) => [e.name, place(e)]))
  return runProjectSet({
    base,
    entries,
    runOne: (o, e) =>
      runOne(
        { ...o, zipPath: zips.get(e.name) as string, artifactName: '' },
        join(root, slug(e.name)),
        store,
        e.name
      ),
    ...(lookups ? { lookups } : {}),
    ...(cancel ? { cancel } : {})
  })
}
