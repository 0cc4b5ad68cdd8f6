import type { InputValues } from './schema.js'

/**
 * The rules that compare several inputs, each named and checked on the typed values (a field whose
 * text was refused counts as its default here; its own problem is reported already). A rule
 * answers the problem in words that name the inputs, or undefined when it holds.
 */

export interface RuleInput {
  v: InputValues
  /** The mode reads the source tenant (promote, export) / writes the target (promote, deploy). */
  needSource: boolean
  needTarget: boolean
}

export interface Rule {
  name: string
  check: (r: RuleInput) => string | undefined
}

/** The package inputs that are set: zip-path, package-dir and, in mode deploy, artifact-name. */
const packageInputs = ({ v }: RuleInput): string[] =>
  [
    ['zip-path', v.zipPath],
    ['package-dir', v.packageDir],
    ...(v.mode === 'deploy' || v.mode === 'drift' ? [['artifact-name', v.artifactName]] : [])
  ]
    .filter(([, value]) => value !== '')
    .map(([name]) => name as string)

const afterDeploy = (v: InputValues): boolean =>
  v.runTasks !== 'none' || v.triggerTasks.length > 0 || v.expectDataStores.length > 0

/** Why an artifact name is not a plain name (GitHub refuses these characters too), or undefined. */
export function badArtifactName(name: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'it holds a control character'
  if (/[/\\]/.test(name))
    return 'it holds a path separator (an artifact name is a name, not a path)'
  if (name.split(/[/\\]/).includes('..') || /^\.+$/.test(name)) return "it is '.' or '..'"
  const bad = /["<>|*?:]/.exec(name)?.[0]
  if (bad) return `it holds '${bad}', which GitHub does not allow in artifact names`
  return undefined
}

export const RULES: readonly Rule[] = [
  {
    name: 'artifact-name is a name',
    check: ({ v }) => {
      const why = v.artifactName ? badArtifactName(v.artifactName) : undefined
      return why ? `Input 'artifact-name' is not a plain name: ${why}.` : undefined
    }
  },
  {
    name: 'projects-file is not for mode validate',
    check: ({ v }) =>
      v.projectsFile !== '' && v.mode === 'validate'
        ? "Input 'projects-file' is for modes promote, export and deploy, not 'validate'."
        : undefined
  },
  {
    name: 'plan-file is for modes deploy and promote',
    check: ({ v }) =>
      v.planFile !== '' && v.mode !== 'deploy' && v.mode !== 'promote'
        ? `Input 'plan-file' binds a deploy to a reviewed plan: it is for modes deploy and promote, not '${v.mode}'.`
        : undefined
  },
  {
    name: 'only and with-upstream select from a projects file',
    check: ({ v }) =>
      v.projectsFile === '' && (v.only.length > 0 || v.withUpstream)
        ? `Input '${v.only.length > 0 ? 'only' : 'with-upstream'}' selects entries of 'projects-file', which is not set.`
        : undefined
  },
  {
    name: 'a set is deployed from its artifact',
    check: ({ v }) =>
      v.projectsFile !== '' &&
      (v.mode === 'deploy' || v.mode === 'drift') &&
      (v.zipPath !== '' || v.packageDir !== '')
        ? "With 'projects-file', modes deploy and drift take the set's packages from 'artifact-name' (the artifact a mode export with the same projects-file made), not from 'zip-path' or 'package-dir'."
        : undefined
  },
  {
    name: 'a set names its own projects',
    check: ({ v }) =>
      v.projectsFile !== '' && (v.sourceProject !== '' || v.targetProject !== '')
        ? "Inputs 'source-project' and 'target-project' name one project; with 'projects-file' each entry names its own."
        : undefined
  },
  {
    name: 'source-project is required to read the source',
    check: ({ v, needSource }) =>
      needSource && v.sourceProject === '' && v.projectsFile === ''
        ? `Input 'source-project' is required for mode '${v.mode}' (a project id or exact name).`
        : undefined
  },
  {
    name: 'target-space is required to write the target',
    check: ({ v, needTarget }) =>
      needTarget && v.targetSpace === ''
        ? `Input 'target-space' is required for mode '${v.mode}' (a space id or name in the target tenant).`
        : undefined
  },
  {
    name: 'artifact-run-id needs github-token',
    check: ({ v }) =>
      v.artifactRunId !== undefined && v.githubToken === ''
        ? "Input 'github-token' is required with 'artifact-run-id' (to download another run's artifact)."
        : undefined
  },
  {
    name: 'mode deploy needs a package',
    check: (r) =>
      r.v.mode === 'deploy' && packageInputs(r).length === 0
        ? "Mode 'deploy' needs the package: set 'zip-path' (a local ZIP), 'package-dir' (a project folder of the repository) or 'artifact-name' (an artifact of this run, or of 'artifact-run-id')."
        : undefined
  },
  {
    name: 'mode drift needs a package',
    check: (r) =>
      r.v.mode === 'drift' && packageInputs(r).length === 0
        ? "Mode 'drift' compares the target with a package: set 'package-dir' (the project folder in git), 'zip-path' or 'artifact-name' (with 'projects-file': the set's artifact)."
        : undefined
  },
  {
    name: 'drift-issue is for mode drift, with a token',
    check: ({ v }) =>
      !v.driftIssue
        ? undefined
        : v.mode !== 'drift'
          ? "Input 'drift-issue' is for mode 'drift'."
          : v.githubToken === ''
            ? "Input 'drift-issue' needs 'github-token' (with issues: write) to open, update and close the issue."
            : undefined
  },
  {
    name: 'mode drift only reads',
    check: ({ v }) => {
      const writes = [
        ['run-tasks', v.runTasks !== 'none'],
        ['trigger-tasks', v.triggerTasks.length > 0],
        ['expect-data-stores', v.expectDataStores.length > 0],
        ['dry-run', v.dryRun],
        ['skip-unchanged', v.skipUnchanged]
      ]
        .filter(([, set]) => set)
        .map(([n]) => `'${n as string}'`)
      return v.mode === 'drift' && writes.length > 0
        ? `Mode 'drift' only reads and compares; ${writes.join(', ')} ${writes.length > 1 ? 'are' : 'is'} for modes deploy and promote.`
        : undefined
    }
  },
  {
    name: 'mode validate needs a package',
    check: (r) =>
      r.v.mode === 'validate' && packageInputs(r).length === 0
        ? "Mode 'validate' needs what to check: set 'package-dir' (a project folder) or 'zip-path' (a package ZIP)."
        : undefined
  },
  {
    name: 'one way to give the package',
    check: (r) => {
      const set = packageInputs(r)
      return set.length > 1
        ? `Inputs ${set.map((n) => `'${n}'`).join(' and ')} are all set: give the package one way.`
        : undefined
    }
  },
  {
    name: 'promote and export take the package from the source',
    check: ({ v }) =>
      (v.mode === 'promote' || v.mode === 'export') && (v.zipPath !== '' || v.packageDir !== '')
        ? `Input '${v.zipPath !== '' ? 'zip-path' : 'package-dir'}' is for modes deploy and validate; mode '${v.mode}' exports the package from 'source-project'.`
        : undefined
  },
  {
    name: 'export-dir writes an exported package',
    check: ({ v }) =>
      v.exportDir !== '' && v.mode !== 'promote' && v.mode !== 'export'
        ? `Input 'export-dir' is for modes export and promote (it writes the exported package).`
        : undefined
  },
  {
    name: 'export-dir needs a YAML package',
    check: ({ v }) =>
      v.exportDir !== '' && v.exportMode === 'LEGACY'
        ? "Input 'export-dir' needs a YAML package: set 'export-mode' to MINIMAL (recommended) or ALL, not LEGACY."
        : undefined
  },
  {
    name: 'task inputs act on the target',
    check: ({ v, needTarget }) =>
      afterDeploy(v) && !needTarget
        ? `Inputs 'run-tasks', 'trigger-tasks' and 'expect-data-stores' act on the target: they are for modes promote and deploy, not '${v.mode}'.`
        : undefined
  },
  {
    name: 'run-tasks needs validate',
    check: ({ v }) =>
      v.runTasks !== 'none' && !v.validate
        ? "Input 'run-tasks' needs 'validate: true': tasks run only after the target project validated."
        : undefined
  }
]
