import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs'
import { basename, join, relative, resolve, sep } from 'node:path'
import type { ArtifactStore, LoadedArtifact, StoredArtifact } from '../pipeline/ports.js'

/** Outside a runner: artifacts are folders under a local directory. */
export class LocalArtifactStore implements ArtifactStore {
  readonly kind = 'local' as const
  constructor(private readonly dir: string) {}

  /** The artifact's folder: always one folder directly inside this.dir, whatever the name says. */
  private folder(name: string): string {
    const target = resolve(this.dir, name)
    const rel = relative(resolve(this.dir), target)
    if (!rel || rel.startsWith('..') || rel.includes(sep))
      throw new Error(
        `the artifact name '${name}' is not a plain name (it would leave ${this.dir})`
      )
    return target
  }

  async save(name: string, files: string[]): Promise<StoredArtifact> {
    const target = this.folder(name)
    mkdirSync(target, { recursive: true })
    for (const f of files) copyFileSync(f, join(target, basename(f)))
    return { name, location: target }
  }

  async load(name: string, destDir: string, from?: { runId: number }): Promise<LoadedArtifact> {
    if (from) {
      throw new Error(
        `artifact-run-id works only in a GitHub Actions runner (outside one, artifacts are folders in ${this.dir}).`
      )
    }
    const source = this.folder(name)
    if (!existsSync(source)) throw new Error(`No artifact '${name}' in ${this.dir}.`)
    mkdirSync(destDir, { recursive: true })
    const files = readdirSync(source).map((f) => {
      copyFileSync(join(source, f), join(destDir, f))
      return join(destDir, f)
    })
    return { files, location: source }
  }
}
