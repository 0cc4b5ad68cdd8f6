import { DefaultArtifactClient } from '@actions/artifact'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { artifactUrl } from '../runner.js'
import type {
  ArtifactSource,
  ArtifactStore,
  LoadedArtifact,
  StoredArtifact
} from '../pipeline/ports.js'

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
    const url = artifactUrl(id, process.env)
    return {
      ...(id ? { id } : {}),
      ...(url ? { url } : {}),
      name,
      location: `workflow artifact ${name}${id ? ` (id ${id})` : ''}${res.digest ? `, digest ${res.digest}` : ''}`
    }
  }

  async load(name: string, destDir: string, from?: ArtifactSource): Promise<LoadedArtifact> {
    let findBy:
      | {
          findBy: {
            token: string
            workflowRunId: number
            repositoryOwner: string
            repositoryName: string
          }
        }
      | undefined
    if (from) {
      const [owner, repo] = from.repository.split('/')
      if (!owner || !repo)
        throw new Error(`cannot tell the repository (GITHUB_REPOSITORY is "${from.repository}")`)
      findBy = {
        findBy: {
          token: from.token,
          workflowRunId: from.runId,
          repositoryOwner: owner,
          repositoryName: repo
        }
      }
    }
    const { artifact } = await this.client.getArtifact(name, findBy)
    await this.client.downloadArtifact(artifact.id, { path: destDir, ...findBy })
    const files = readdirSync(destDir).map((f) => join(destDir, f))
    const url = from
      ? artifactUrl(artifact.id, { ...process.env, GITHUB_REPOSITORY: from.repository }, from.runId)
      : artifactUrl(artifact.id, process.env)
    return {
      id: String(artifact.id),
      ...(url ? { url } : {}),
      files,
      location: `workflow artifact ${name} (id ${artifact.id}${from ? `, run ${from.runId}` : ''})`
    }
  }
}
