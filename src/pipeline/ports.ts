/** The small interfaces the pipeline depends on; the action and the CLI provide them. */

export interface Annotation {
  title?: string
  /** A file of the repository (relative to the workspace) and its line, to annotate it. */
  file?: string
  startLine?: number
}

export interface Reporter {
  info(message: string): void
  warning(message: string, annotation?: Annotation): void
  error(message: string, annotation?: Annotation): void
  debug(message: string): void
  group<T>(name: string, fn: () => Promise<T>): Promise<T>
  /**
   * Where a terminal can show it: one line that each call replaces (a long wait's state and elapsed
   * time), cleared by the next message. Reporters without one get a log line every 30 s instead.
   */
  status?(message: string): void
}

export interface StoredArtifact {
  /** Where it went: an artifact id in a runner, a directory outside one. */
  id?: string
  name: string
  location: string
  /** Its page on GitHub (the run's artifact), where the runner says which run this is. */
  url?: string
}

export interface ArtifactStore {
  readonly kind: 'github' | 'local'
  save(
    name: string,
    files: string[],
    rootDir: string,
    retentionDays?: number
  ): Promise<StoredArtifact>
  /** Fetch an artifact of this run (or of another run, `from`) into destDir. */
  load(name: string, destDir: string, from?: ArtifactSource): Promise<LoadedArtifact>
}

export interface ArtifactSource {
  runId: number
  token: string
  /** owner/name */
  repository: string
}

export interface LoadedArtifact {
  id?: string
  /** Paths of the downloaded files. */
  files: string[]
  location: string
  url?: string
}

export interface Clock {
  now(): number
  sleep(ms: number): Promise<void>
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms))
}

/** Facts about the run that go into the manifest (never a secret). */
export interface RunContext {
  ref: string
  sha: string
  runId: string
  repository: string
  /** Files of the repository resolve from here (GITHUB_WORKSPACE, else the working directory). */
  workspace: string
  /** The workflow run's page, in a runner. */
  runUrl?: string
}
