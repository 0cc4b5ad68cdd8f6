/**
 * What the GitHub runner says of this run, read from its variables here and nowhere else
 * (GITHUB_*, RUNNER_*, ACTIONS_*): the adapters and the composition root read a `Runner`, and the
 * pipeline gets what it needs as data (RunContext). Outside a runner every field is empty and the
 * workspace is the working directory. `__tests__/lint/runner.test.ts` keeps the variables here.
 */
export interface Runner {
  /** GITHUB_WORKSPACE, else the working directory: files of the repository resolve from here. */
  workspace: string
  /** RUNNER_TEMP: a folder deleted with the job. */
  temp?: string
  ref: string
  sha: string
  runId: string
  /** owner/name */
  repository: string
  serverUrl: string
  job?: string
  attempt?: string
  /** ACTIONS_RUNTIME_TOKEN is set: the workflow's artifact service can be used. */
  artifacts: boolean
  /** GITHUB_STEP_SUMMARY: where the job summary goes. */
  stepSummary?: string
  /** The event that started the workflow, and the file holding its payload. */
  event: { name: string; path?: string }
}

export function runnerOf(env: NodeJS.ProcessEnv, cwd: string = process.cwd()): Runner {
  const opt = <K extends string>(key: K, v: string | undefined) =>
    v ? ({ [key]: v } as Record<K, string>) : {}
  return {
    workspace: env.GITHUB_WORKSPACE || cwd,
    ...opt('temp', env.RUNNER_TEMP),
    ref: env.GITHUB_REF ?? '',
    sha: env.GITHUB_SHA ?? '',
    runId: env.GITHUB_RUN_ID ?? '',
    repository: env.GITHUB_REPOSITORY ?? '',
    serverUrl: env.GITHUB_SERVER_URL ?? '',
    ...opt('job', env.GITHUB_JOB),
    ...opt('attempt', env.GITHUB_RUN_ATTEMPT),
    artifacts: Boolean(env.ACTIONS_RUNTIME_TOKEN),
    ...opt('stepSummary', env.GITHUB_STEP_SUMMARY),
    event: { name: env.GITHUB_EVENT_NAME ?? '', ...opt('path', env.GITHUB_EVENT_PATH) }
  }
}

/** The page of the workflow run (GitHub), or undefined outside one. */
export function workflowRunUrl(r: Pick<Runner, 'serverUrl' | 'repository' | 'runId'>) {
  return r.serverUrl && r.repository && r.runId
    ? `${r.serverUrl}/${r.repository}/actions/runs/${r.runId}`
    : undefined
}

/**
 * An artifact's page, as actions/upload-artifact gives it (artifact-url): the run's page and the id.
 * Only with the runner's own plain values; anything else gives no link.
 */
export function artifactUrl(
  id: string | number | undefined,
  env: NodeJS.ProcessEnv,
  runId: string | number | undefined = env.GITHUB_RUN_ID
): string | undefined {
  const server = env.GITHUB_SERVER_URL ?? ''
  const repo = env.GITHUB_REPOSITORY ?? ''
  if (id === undefined || !/^https:\/\/[\w.-]+(:\d+)?$/.test(server)) return undefined
  if (!/^[\w.-]+\/[\w.-]+$/.test(repo) || !/^\d+$/.test(String(runId ?? ''))) return undefined
  if (!/^\d+$/.test(String(id))) return undefined
  return `${server}/${repo}/actions/runs/${runId}/artifacts/${id}`
}
