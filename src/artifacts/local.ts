import { copyFileSync, mkdirSync } from 'node:fs'
import { basename, join, resolve } from 'node:path'
import type { ArtifactStore, StoredArtifact } from '../pipeline/ports.js'

/** Outside a runner: artifacts are folders under a local directory. */
export class LocalArtifactStore implements ArtifactStore {
  readonly kind = 'local' as const
  constructor(private readonly dir: string) {}

  async save(name: string, files: string[]): Promise<StoredArtifact> {
    const target = resolve(this.dir, name)
    mkdirSync(target, { recursive: true })
    for (const f of files) copyFileSync(f, join(target, basename(f)))
    return { name, location: target }
  }
}
