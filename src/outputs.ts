import type { RunReport } from './model/report.js'

/** The action's outputs (names fixed by the design), derived from the report. */
export const OUTPUT_SPECS: ReadonlyArray<{ name: string; description: string }> = [
  { name: 'source-project-id', description: 'Id of the source project.' },
  { name: 'target-project-id', description: 'Id of the target project.' },
  { name: 'project-created', description: 'true when the target project was created by this run.' },
  { name: 'artifact-id', description: 'Id of the workflow artifact holding the package.' },
  { name: 'artifact-name', description: 'Name of the workflow artifact holding the package.' },
  { name: 'zip-path', description: 'Local path of the package ZIP.' },
  { name: 'zip-sha256', description: 'SHA-256 digest of the package ZIP.' },
  {
    name: 'import-state',
    description: 'Final state of the import action (COMPLETED, FAILED, ...), empty when not run.'
  },
  { name: 'prepare-state', description: 'Final state of the prepare action, empty when not run.' },
  {
    name: 'validate-state',
    description: 'Final state of the validate action, empty when not run.'
  },
  { name: 'report-path', description: 'Path of the JSON report of the run.' },
  {
    name: 'plan-path',
    description:
      'Dry run: path of the release plan in Markdown (what the package changes on the target), with the same plan as JSON beside it (.json); empty otherwise.'
  },
  {
    name: 'plan-file',
    description:
      "Dry run: path of the plan as JSON with its fingerprint (qlik-di-promote-plan.json), the file a later run's input plan-file applies exactly; empty otherwise."
  },
  {
    name: 'applied-plan',
    description:
      'plan-file: the digest of the plan this run checked and applied; empty when it was given none or refused it.'
  },
  {
    name: 'drifted',
    description:
      'mode drift: true when the target differs from the package or the bindings, false when it equals them; empty in other modes.'
  },
  {
    name: 'unchanged',
    description:
      'skip-unchanged: true when the target already equalled the package and nothing was sent (a set: every project); empty otherwise.'
  },
  {
    name: 'backup-artifact-name',
    description:
      'Name of the artifact holding the target project as it was before this run (empty when none was made).'
  },
  {
    name: 'report-artifact-name',
    description:
      'Name of the workflow artifact holding the JSON report (and plan files) of this run (upload-report), empty when none was uploaded.'
  },
  {
    name: 'projects',
    description:
      "projects-file: a JSON array, one object per project, upstream first (the order they run in): name, outcome (succeeded, failed, cancelled, unchanged, not-started), target-project-id, project-created, artifact-name, error. For a set, the outputs above that describe one project are empty (artifact-name and artifact-id name the set's artifact in mode export). Empty for a single project."
  }
]

/** One project of a set, in the `projects` output. */
export interface ProjectOutput {
  name: string
  outcome: 'succeeded' | 'failed' | 'cancelled' | 'unchanged' | 'not-started'
  'target-project-id': string
  'project-created': boolean
  'artifact-name': string
  error: string
}

/** The `projects` output of a set: every project, upstream first (the order they run in). */
export function projectsOutput(r: RunReport): ProjectOutput[] {
  return (r.projects ?? []).map((p) => {
    const own = r.projectReports?.find((x) => x.name === p.name)?.report
    return {
      name: p.name,
      outcome: p.state === 'done' ? 'succeeded' : p.state,
      'target-project-id': p.targetProjectId ?? own?.target?.projectId ?? '',
      'project-created': own?.target?.created === true,
      'artifact-name': own?.artifact?.name ?? '',
      error: p.error ?? p.reason ?? ''
    }
  })
}

/**
 * The outputs that describe one project are empty for a set (they would be whichever project ended
 * last): a set's projects are in `projects`; its artifact (mode export) and totals stay.
 */
const PER_PROJECT = [
  'source-project-id',
  'target-project-id',
  'project-created',
  'zip-path',
  'zip-sha256',
  'import-state',
  'prepare-state',
  'validate-state',
  'backup-artifact-name',
  'applied-plan'
] as const

export function outputsOf(r: RunReport, reportPath: string): Record<string, string> {
  const out = singleOutputs(r, reportPath)
  if (!r.projects) return out
  for (const k of PER_PROJECT) out[k] = ''
  if (r.mode !== 'export') {
    out['artifact-id'] = ''
    out['artifact-name'] = ''
  }
  out.projects = JSON.stringify(projectsOutput(r))
  return out
}

function singleOutputs(r: RunReport, reportPath: string): Record<string, string> {
  return {
    'source-project-id': r.source?.projectId ?? '',
    'target-project-id': r.target?.projectId ?? '',
    'project-created': String(r.target?.created ?? false),
    'artifact-id': r.artifact?.id ?? '',
    'artifact-name': r.artifact?.name ?? '',
    'zip-path': r.package?.path ?? '',
    'zip-sha256': r.package?.sha256 ?? '',
    'import-state': r.actions.import?.state ?? '',
    'prepare-state': r.actions.prepare?.state ?? '',
    'validate-state': r.actions.validate?.state ?? '',
    'report-path': reportPath,
    'plan-path': r.planPath ?? '',
    // a drift check writes plan files too, without the fingerprint that lets a run apply them
    'plan-file':
      r.planPath &&
      [r, ...(r.projectReports ?? []).map((x) => x.report)].some((x) => x.plan?.fingerprint)
        ? r.planPath.replace(/\.md$/, '.json')
        : '',
    'applied-plan': r.planCheck && !r.planCheck.differences.length ? r.planCheck.digest : '',
    drifted: r.drift ? String(r.drift.drifted) : '',
    unchanged: (r.projects ? r.projects.every((p) => p.state === 'unchanged') : r.unchanged)
      ? 'true'
      : '',
    'backup-artifact-name': r.backup?.name ?? '',
    'report-artifact-name': r.reportArtifact ?? '',
    projects: ''
  }
}
