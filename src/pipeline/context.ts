import type { Options } from '../options.js'
import type { PackageContent } from '../package/content.js'
import type { PackageInfo } from '../package/package.js'
import type { Bindings, Project, QlikApi, Space } from '../qlik/api.js'
import type { BindingValues, MergedBindings } from './bindings.js'
import type { Ledger } from './ledger.js'
import type { ArtifactStore, Clock, Reporter, RunContext } from './ports.js'
import type { WaitOptions } from './wait.js'
import type { RunReport } from '../model/report.js'
import type { Cancellation } from './cancel.js'
import type { JournalWriter } from './journal.js'

/** What every step gets: the options, the ports, the report being built and the ledger. */

export interface PipelineDeps {
  options: Options
  source?: QlikApi
  target?: QlikApi
  artifacts: ArtifactStore
  reporter: Reporter
  clock: Clock
  env: NodeJS.ProcessEnv
  workDir: string
  run: RunContext
  /** Mask a secret the run comes to know (values from the environment); never printed after. */
  onSecret?: (secret: string) => void
  /** The run's cancellation (SIGINT / SIGTERM), when the adapter installed one. */
  cancel?: Cancellation
  /** The ledger on disk, for the post step of a run that is killed (the action keeps one). */
  journal?: JournalWriter
  /** The entry of a projects file this pipeline runs (its plan in plan-file is its own). */
  setEntry?: string
  /** Override the polling policy (the benchmark compares fixed intervals with the default). */
  polling?: Partial<
    Pick<WaitOptions, 'firstDelayMs' | 'maxDelayMs' | 'factor' | 'estimate' | 'floorMs'>
  >
}

export interface StepContext {
  o: Options
  deps: PipelineDeps
  log: Reporter
  report: RunReport
  ledger: Ledger
}

/** A package ready to deploy: the source project (or what the manifest says of it), its facts, its file. */
export interface SourcePackage {
  src: Project
  info: PackageInfo
  path: string
  /** Its definition, parsed once for the whole run (the release diff and the task plan read it). */
  content: PackageContent
  /** A manifest vouched for the package's digest (mode deploy). */
  manifest?: boolean
  /** Deploying a backup of this same target: its saved bindings come back too. */
  restoredBindings: BindingValues
}

/** The target as read before the first write. */
export interface TargetState {
  api: QlikApi
  space: Space
  name: string
  existing?: Project
  /** The existing project's bindings as they were before this run (restored on failure). */
  previous?: Bindings
}

export interface ComputedBindings extends MergedBindings {
  /** Variables given with `${ENV}` placeholders, as given: a backup keeps these, not the values. */
  templates: Record<string, string>
  /** Every secret of this run (credentials, values from the environment): never in an artifact. */
  secrets: string[]
  /** Compared with the target's values before this run. */
  diff: { added: string[]; changed: string[]; unchanged: string[]; undeclaredKept: string[] }
}

export const slug = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    // no leading or trailing dots: a slug is a folder and artifact name, never '.' or '..'
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 80) || 'project'

export function defaultArtifactName(projectName: string, ref: string): string {
  const tag = ref.replace(/^refs\/(tags|heads)\//, '')
  return `qlik-di-${slug(projectName)}${tag ? `-${slug(tag)}` : ''}`
}
