import { DefaultArtifactClient } from '@actions/artifact'
import type { ArtifactStore, StoredArtifact } from '../pipeline/ports.js'

/** In a runner (ACTIONS_RUNTIME_TOKEN set): a workflow artifact through @actions/artifact. */
export class GitHubArtifactStore implements ArtifactStore {
  readonly kind = 'github' as const
  private readonly client = new DefaultArtifactClient()

  async save(
    name: string,
    files: string[],
    rootDir: string,
    retentionDays?: number
  ): Promise<StoredArtifact> {
    const res = await this.client.uploadArtifact(
      name,
      files,
      rootDir,
      retentionDays ? { retentionDays } : {}
    )
    const id = res.id !== undefined ? String(res.id) : undefined
    return {
      ...(id ? { id } : {}),
      name,
      location: `workflow artifact ${name}${id ? ` (id ${id})` : ''}${res.digest ? `, digest ${res.digest}` : ''}`
    }
  }
}
