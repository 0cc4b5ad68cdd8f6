import { existsSync, mkdirSync, openAsBlob, readFileSync, writeFileSync } from 'node:fs'
import { basename, dirname, join, resolve as resolvePath } from 'node:path'
import type { Options } from '../options.js'
import { readPackageInfo, PackageReadError, type PackageInfo } from '../package/package.js'
import {
  EndpointMissingError,
  type ActionStatus,
  type Project,
  type QlikApi,
  type Space
} from '../qlik/api.js'
import { QlikApiError } from '../qlik/errors.js'
import {
  BindingsInputError,
  loadBindingsInputs,
  mergeBindings,
  type BindingValues
} from './bindings.js'
import type { ArtifactStore, Clock, Reporter, RunContext } from './ports.js'
import { newReport, type DryRunPlan, type RunReport, type StepRecord } from './report.js'
import { DEFAULT_WAIT, failedTasks, waitForAction } from './wait.js'

/**
 * The promotion pipeline: source project -> export -> artifact -> target space and project ->
 * bindings -> pre-flight -> import -> prepare -> validate. Everything that can be checked read-only
 * is checked before the first change to the target (missing bindings, a bad package, an ambiguous
 * name), and each failure says which tenant, which step, what Qlik answered and what to do next.
 */

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
  /** Override the polling policy (the benchmark compares fixed intervals with the default). */
  polling?: { firstDelayMs: number; maxDelayMs: number; factor: number }
}

/** A failure the pipeline explains itself: the message is meant for the user as is. */
export class PipelineError extends Error {
  constructor(
    message: string,
    readonly step: string
  ) {
    super(message)
    this.name = 'PipelineError'
  }
}

const slug = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80) || 'project'

export function defaultArtifactName(projectName: string, ref: string): string {
  const tag = ref.replace(/^refs\/(tags|heads)\//, '')
  return `qlik-di-${slug(projectName)}${tag ? `-${slug(tag)}` : ''}`
}

interface SourcePackage {
  /** The source project, or what the manifest says of it (deploy). */
  src: Project
  info: PackageInfo
  path: string
}

interface Manifest {
  kind?: string
  sourceTenant?: string
  projectId?: string
  projectName?: string
  projectType?: string
  platformType?: string
  projectDescription?: string
  exportMode?: string
  packageSha256?: string
}

function readManifest(path: string): Manifest {
  try {
    const doc = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>
    const str = (k: string): string | undefined =>
      typeof doc[k] === 'string' ? (doc[k] as string) : undefined
    const m: Manifest = {}
    for (const k of [
      'kind',
      'sourceTenant',
      'projectId',
      'projectName',
      'projectType',
      'platformType',
      'projectDescription',
      'exportMode',
      'packageSha256'
    ] as const) {
      const v = str(k)
      if (v !== undefined) m[k] = v
    }
    return m
  } catch (e) {
    throw new PipelineError(
      `The manifest ${path} is not valid JSON: ${(e as Error).message}`,
      'Get the package'
    )
  }
}

export class Pipeline {
  readonly report: RunReport
  private readonly o: Options
  private bindingsInput: { values: BindingValues; source: string } = { values: {}, source: 'none' }
  /** Deploying a backup of this same target: its saved bindings come back too. */
  private restoredBindings: BindingValues = {}
  private readonly log: Reporter

  constructor(private readonly deps: PipelineDeps) {
    this.o = deps.options
    this.log = deps.reporter
    this.report = newReport(this.o.mode, this.o.dryRun, deps.clock.now())
  }

  private async step<T>(name: string, fn: (rec: StepRecord) => Promise<T>): Promise<T> {
    const rec: StepRecord = { name, state: 'succeeded', durationMs: 0 }
    const start = this.deps.clock.now()
    this.report.steps.push(rec)
    try {
      return await this.log.group(name, () => fn(rec))
    } catch (e) {
      rec.state = 'failed'
      rec.detail = (e as Error).message
      throw e instanceof PipelineError ? e : new PipelineError(explain(e, name), name)
    } finally {
      rec.durationMs = this.deps.clock.now() - start
    }
  }

  private skip(name: string, why: string): void {
    this.report.steps.push({ name, state: 'skipped', durationMs: 0, detail: why })
    this.log.info(`${name}: skipped (${why})`)
  }

  async run(): Promise<RunReport> {
    try {
      // Inputs that need no request are checked first, so bad input never reaches a tenant.
      try {
        this.bindingsInput = loadBindingsInputs(this.o.bindingsFile, this.o.bindings, this.deps.env)
      } catch (e) {
        if (e instanceof BindingsInputError) throw new PipelineError(e.message, 'Check the inputs')
        throw e
      }
      await this.promote()
    } catch (e) {
      this.report.outcome = 'failed'
      this.report.error = e instanceof PipelineError ? e.message : explain(e, 'run')
      const failed = this.report.steps.find((st) => st.state === 'failed')?.name
      if (failed) this.report.failedStep = failed
      else if (e instanceof PipelineError) this.report.failedStep = e.step
    } finally {
      this.report.finishedAt = new Date(this.deps.clock.now()).toISOString()
    }
    return this.report
  }

  private async promote(): Promise<void> {
    const pkg = this.o.mode === 'deploy' ? await this.loadPackage() : await this.exportAndStore()
    if (this.o.mode !== 'export') await this.deploy(pkg)
  }

  /** Source -> package on disk -> artifact (modes promote and export). */
  private async exportAndStore(): Promise<SourcePackage> {
    const source = this.deps.source as QlikApi
    const src = await this.step('Find the source project', async () => this.findSource(source))
    const { info, path } = await this.step('Export the source project', async () =>
      this.exportPackage(source, src)
    )
    await this.step('Keep the package as an artifact', async () =>
      this.storeArtifact(src, path, info)
    )
    return { src, info, path }
  }

  /** Mode deploy: the package from zip-path or an artifact, its digest checked against the manifest. */
  private async loadPackage(): Promise<SourcePackage> {
    return this.step('Get the package', async (rec) => {
      let zipPath: string
      let manifestPath: string | undefined
      let where: string
      if (this.o.zipPath) {
        zipPath = resolvePath(this.o.zipPath)
        if (!existsSync(zipPath)) {
          throw new PipelineError(`Input 'zip-path': no file ${zipPath}.`, 'Get the package')
        }
        const beside = join(dirname(zipPath), 'manifest.json')
        manifestPath = existsSync(beside) ? beside : undefined
        where = zipPath
      } else {
        const dest = join(this.deps.workDir, 'download')
        const from =
          this.o.artifactRunId !== undefined
            ? {
                runId: this.o.artifactRunId,
                token: this.o.githubToken,
                repository: this.deps.run.repository
              }
            : undefined
        const got = await this.deps.artifacts.load(this.o.artifactName, dest, from)
        const zips = got.files.filter((f) => f.endsWith('.zip'))
        if (zips.length !== 1) {
          throw new PipelineError(
            `Artifact '${this.o.artifactName}' (${got.location}) should hold one package ZIP and manifest.json; it holds: ${got.files.map((f) => basename(f)).join(', ') || 'nothing'}.`,
            'Get the package'
          )
        }
        zipPath = zips[0] as string
        manifestPath = got.files.find((f) => basename(f) === 'manifest.json')
        if (!manifestPath) {
          throw new PipelineError(
            `Artifact '${this.o.artifactName}' has no manifest.json: it was not made by this action's export.`,
            'Get the package'
          )
        }
        where = `artifact '${this.o.artifactName}' (${got.location})`
        this.report.artifact = {
          kind: this.deps.artifacts.kind,
          ...(got.id ? { id: got.id } : {}),
          name: this.o.artifactName,
          location: got.location
        }
      }
      let info: PackageInfo
      try {
        info = readPackageInfo(readFileSync(zipPath))
      } catch (e) {
        if (e instanceof PackageReadError)
          throw new PipelineError(
            `The package ${where} cannot be used: ${e.message}`,
            'Get the package'
          )
        throw e
      }
      const manifest = manifestPath ? readManifest(manifestPath) : undefined
      if (manifest) {
        if (manifest.packageSha256 !== info.sha256) {
          throw new PipelineError(
            `The package ${where} has sha256 ${info.sha256}, but its manifest says ${manifest.packageSha256 ?? '(none)'}: ` +
              'it was changed after the export. Refusing to deploy it; nothing was sent to the target.',
            'Get the package'
          )
        }
        rec.detail = `sha256 ${info.sha256} matches the manifest`
      } else {
        this.log.warning(
          `No manifest.json beside ${zipPath}: the package's digest cannot be checked against its export.`
        )
        rec.detail = `sha256 ${info.sha256} (no manifest)`
      }
      this.report.package = {
        path: zipPath,
        sha256: info.sha256,
        bytes: info.bytes,
        format: info.format,
        exportMode: manifest?.exportMode ?? '',
        declared: info.declared
      }
      const src: Project = {
        id: manifest?.projectId ?? '',
        name: manifest?.projectName ?? this.o.targetProject,
        ...((manifest?.projectType ?? info.projectType)
          ? { type: manifest?.projectType ?? info.projectType }
          : {}),
        ...((manifest?.platformType ?? info.platformType)
          ? { platformType: manifest?.platformType ?? info.platformType }
          : {}),
        ...(manifest?.projectDescription !== undefined
          ? { description: manifest.projectDescription }
          : {})
      }
      if (!src.name) {
        throw new PipelineError(
          "Input 'target-project' is required to deploy a package without a manifest (the project name is not known).",
          'Get the package'
        )
      }
      if (manifest?.projectId)
        this.report.source = {
          tenant: manifest.sourceTenant ?? '',
          projectId: manifest.projectId,
          projectName: src.name
        }
      if (manifest?.kind === 'backup' && info.shippedBindings) {
        const targetHost = (this.deps.target as QlikApi).host
        if (manifest.sourceTenant === targetHost) {
          this.restoredBindings = info.shippedBindings
          this.log.info(
            `This is a backup of ${manifest.projectName ?? ''} on this tenant: its ${Object.keys(info.shippedBindings).length} saved binding(s) are restored (the bindings input overrides them).`
          )
        } else {
          this.log.warning(
            `This backup was made on ${manifest.sourceTenant ?? '?'}, not on ${targetHost}: its saved bindings are not used.`
          )
        }
      }
      this.log.info(
        `Package from ${where}: ${info.format}, ${info.bytes} bytes, sha256 ${info.sha256}`
      )
      return { src, info, path: zipPath }
    })
  }

  /** Package -> target: space, project, bindings, pre-flight, create, import, prepare, validate. */
  private async deploy({ src, info, path }: SourcePackage): Promise<void> {
    const target = this.deps.target as QlikApi
    // Uploads read the package from disk: a 10 MB package is not kept in memory for the whole run.
    const zip = await openAsBlob(path, { type: 'application/zip' })

    const space = await this.step('Find the target space', async () => this.findSpace(target))
    const targetName = this.o.targetProject || src.name
    const existing = await this.step('Find the target project', async (rec) => {
      const p = await this.findTargetProject(target, space, targetName)
      rec.detail = p
        ? `found ${p.name} (${p.id})`
        : `not found: it will be created in ${space.name}`
      return p
    })

    const bindings = await this.step('Compute the bindings', async () => {
      const input = this.bindingsInput
      const current = existing ? (await target.getBindings(existing.id)).variables : {}
      const overlay = { ...this.restoredBindings, ...input.values }
      if (
        info.declared.includes('projectName') &&
        overlay.projectName === undefined &&
        !current.projectName
      ) {
        overlay.projectName = targetName
      }
      const merged = mergeBindings(current, overlay, info.declared)
      this.report.bindings = {
        source: input.source,
        applied: Object.keys(merged.values).sort(),
        changed: merged.changed,
        added: merged.added,
        unknown: merged.unknown,
        missing: merged.missing
      }
      if (merged.unknown.length > 0) {
        const msg =
          `The bindings name ${merged.unknown.length} variable(s) the package does not declare (probable typos): ` +
          `${merged.unknown.join(', ')}. The package declares: ${info.declared.join(', ')}.`
        if (this.o.strictBindings) {
          throw new PipelineError(
            `${msg} Fix the names, or set strict-bindings to false to send them anyway (nothing was changed on the target).`,
            'Compute the bindings'
          )
        }
        this.log.warning(msg, { title: 'Unknown binding variables' })
      }
      if (merged.missing.length > 0) {
        const msg =
          `The package declares ${merged.missing.length} variable(s) with no value for the target project '${targetName}' ` +
          `on ${target.host}: ${merged.missing.join(', ')}. Add them to the 'bindings' input (nothing was changed on the target).`
        if (this.o.strictBindings) throw new PipelineError(msg, 'Compute the bindings')
        this.log.warning(`${msg} strict-bindings is false: going on.`, {
          title: 'Missing bindings'
        })
      }
      return merged
    })

    await this.step('Pre-flight check of the package', async (rec) => {
      // A dry run sends nothing but reads to the target; the check only looks at the package, so
      // it runs on the source tenant when there is one, and is left out otherwise.
      const checker = this.o.dryRun ? this.deps.source : target
      if (!checker) {
        rec.state = 'skipped'
        rec.detail =
          'dry run without a source tenant: validate-project-definitions is a POST, not sent to the target'
        this.log.info(`Pre-flight: ${rec.detail}`)
        return
      }
      const reports = await checker.validateDefinitions(zip)
      this.report.preflight = reports.map((r) => ({
        level: r.level,
        path: r.path ?? '',
        reason: r.reason ?? ''
      }))
      const errors = reports.filter((r) => r.level === 'ERROR')
      for (const w of reports.filter((r) => r.level !== 'ERROR'))
        this.log.warning(`Pre-flight: ${w.path ?? ''}: ${w.reason ?? ''}`)
      rec.detail = `${errors.length} error(s), ${reports.length - errors.length} warning(s)`
      if (errors.length > 0) {
        throw new PipelineError(
          `The ${checker.tenant} tenant ${checker.host} found ${errors.length} error(s) in the package (validate-project-definitions): ` +
            errors.map((r) => `${r.path ?? ''}: ${r.reason ?? ''}`).join('; ') +
            '. Nothing was changed on the target. Fix the project in the source tenant and export again.',
          'Pre-flight check of the package'
        )
      }
    })

    if (this.o.dryRun) {
      this.report.target = {
        tenant: target.host,
        ...(existing ? { projectId: existing.id } : {}),
        projectName: targetName,
        spaceId: space.id,
        spaceName: space.name,
        created: false
      }
      await this.step('Plan the changes (dry run)', async (rec) => {
        const plan = await this.plan(target, existing, bindings.values, info.declared)
        this.report.plan = plan
        rec.detail = plan.canApply
          ? 'the promotion can be applied'
          : `it would fail: ${plan.problems.join(' ')}`
        for (const line of planLines(plan)) this.log.info(line)
        if (!plan.canApply) {
          throw new PipelineError(
            `Dry run: the promotion would fail. ${plan.problems.join(' ')} Nothing was changed on the target.`,
            'Plan the changes (dry run)'
          )
        }
      })
      return
    }

    const project =
      existing ??
      (await this.step('Create the target project', async () =>
        this.createTarget(target, src, space, targetName)
      ))
    this.report.target = {
      tenant: target.host,
      projectId: project.id,
      projectName: project.name,
      spaceId: space.id,
      spaceName: space.name,
      created: !existing
    }

    if (existing && this.o.backup) {
      await this.step('Back up the target project', async (rec) => {
        const b = await this.backupTarget(target, existing)
        rec.detail = `artifact ${b.name}`
      })
    } else if (existing) this.skip('Back up the target project', "input 'backup' is false")

    await this.step('Set the target bindings', async (rec) => {
      await target.setBindings(project.id, bindings.values)
      rec.detail = `${Object.keys(bindings.values).length} variable(s) set`
    })

    await this.step('Check the connections', async (rec) => {
      // Read the bindings back recalculated: every connection expression must map to an id here.
      const back = await target.getBindings(project.id, true)
      const unresolved = unresolvedConnections(back.variables, back.nameToIdMap)
      rec.detail = `${Object.keys(back.nameToIdMap).length} connection(s) resolved`
      if (unresolved.length > 0) {
        throw new PipelineError(
          `${unresolved.length} connection binding(s) do not resolve on the target tenant ${target.host} (space ${space.name}): ` +
            unresolved.map((u) => `${u.variable} = ${u.expression}`).join('; ') +
            '. Create the connection(s) there or fix the names in the bindings. The bindings were set; nothing was imported.',
          'Check the connections'
        )
      }
    })

    await this.step('Import the package', async () => {
      try {
        const actionId = await target.importAsync(project.id, zip)
        await this.waitAndCheck(target, 'import', 'Import', actionId)
      } catch (e) {
        if (!(e instanceof EndpointMissingError)) throw e
        if (info.format !== 'LEGACY') {
          throw new PipelineError(
            `The target tenant ${target.host} has no import-async endpoint and only the legacy import, which does not take YAML packages. Export with export-mode LEGACY for this tenant.`,
            'Import the package'
          )
        }
        this.log.info(
          'import-async is not available on this tenant: using the synchronous import for the LEGACY package'
        )
        await target.importSync(project.id, zip)
        this.report.actions.import = { actionId: '', state: 'COMPLETED', elapsedMs: 0, checks: 0 }
      }
    })

    if (this.o.prepare) {
      await this.step('Prepare the target project', async () =>
        this.waitAndCheck(
          target,
          'prepare',
          'Prepare',
          await target.prepare(project.id, this.o.allowRecreate)
        )
      )
    } else this.skip('Prepare the target project', "input 'prepare' is false")

    if (this.o.validate) {
      await this.step('Validate the target project', async () =>
        this.waitAndCheck(target, 'validate', 'Validate', await target.validate(project.id))
      )
    } else this.skip('Validate the target project', "input 'validate' is false")
  }

  /** What a real run would do, learned with reads only. */
  private async plan(
    target: QlikApi,
    existing: Project | undefined,
    values: Record<string, string | null>,
    declared: string[]
  ): Promise<DryRunPlan> {
    const current = existing
      ? await target.getBindings(existing.id, true)
      : { variables: {}, nameToIdMap: {} }
    const cur = current.variables
    const diff = {
      added: Object.keys(values)
        .filter((k) => !(k in cur))
        .sort(),
      changed: Object.keys(values)
        .filter((k) => k in cur && cur[k] !== values[k])
        .sort(),
      unchanged: Object.keys(values)
        .filter((k) => k in cur && cur[k] === values[k])
        .sort(),
      undeclaredKept: Object.keys(cur)
        .filter((k) => !declared.includes(k))
        .sort()
    }
    // Connections: resolved when the target already maps the same expression to an id; a space
    // that does not exist means it cannot resolve; anything else is known only once set.
    const connections: DryRunPlan['connections'] = []
    const spaceNames = new Map<string, boolean>()
    for (const [variable, value] of Object.entries(values)) {
      const m = typeof value === 'string' ? CONNECTION_PARTS.exec(value.trim()) : null
      if (!m || value === null) continue
      const spaceName = m[1] as string
      if (current.nameToIdMap[value]) {
        connections.push({ variable, expression: value, status: 'resolved' })
        continue
      }
      if (!spaceNames.has(spaceName)) {
        spaceNames.set(
          spaceName,
          (await target.findSpaces(spaceName)).some((sp) => sp.name === spaceName)
        )
      }
      connections.push({
        variable,
        expression: value,
        status: spaceNames.get(spaceName) ? 'unknown' : 'space-missing'
      })
    }
    const steps = [
      existing
        ? `Reuse project ${existing.name} (${existing.id})`
        : `Create project ${this.o.targetProject || this.report.source?.projectName || ''} in ${this.report.target?.spaceName ?? ''}`,
      `Set ${Object.keys(values).length} binding variable(s)`,
      'Check the connections',
      'Import the package (import-async)',
      ...(this.o.prepare ? [`Prepare (allowRecreate ${this.o.allowRecreate})`] : []),
      ...(this.o.validate ? ['Validate'] : [])
    ]
    const problems = connections
      .filter((c) => c.status === 'space-missing')
      .map(
        (c) =>
          `${c.variable} = ${c.expression} names a space that does not exist on ${target.host}.`
      )
    return {
      project: existing ? 'reuse' : 'create',
      bindings: diff,
      connections,
      steps,
      problems,
      canApply: problems.length === 0
    }
  }

  private async findSource(api: QlikApi): Promise<Project> {
    const want = this.o.sourceProject
    let spaceId: string | undefined
    if (this.o.sourceSpace)
      spaceId = (await this.resolveSpace(api, this.o.sourceSpace, 'source-space')).id
    const byId =
      /^[A-Za-z0-9_-]{8,}$/.test(want) && !spaceId ? await api.getProject(want) : undefined
    const project =
      byId ?? this.pickByName(await api.listProjects(spaceId), want, api, 'source-project', spaceId)
    this.report.source = {
      tenant: api.host,
      projectId: project.id,
      projectName: project.name,
      ...(project.spaceId ? { spaceId: project.spaceId } : {})
    }
    this.log.info(`Source project: ${project.name} (${project.id}) on ${api.host}`)
    return project
  }

  private pickByName(
    list: Project[],
    want: string,
    api: QlikApi,
    input: string,
    spaceId?: string
  ): Project {
    const byId = list.find((p) => p.id === want)
    if (byId) return byId
    const matches = list.filter((p) => p.name === want)
    if (matches.length === 1) return matches[0] as Project
    const where = `on the ${api.tenant} tenant ${api.host}${spaceId ? ` in space ${spaceId}` : ''}`
    if (matches.length > 1) {
      throw new PipelineError(
        `Input '${input}': ${matches.length} projects are named '${want}' ${where}: ` +
          matches.map((p) => `${p.id} (space ${p.spaceId ?? '?'})`).join(', ') +
          `. Give the project id, or narrow the search with ${input === 'source-project' ? "'source-space'" : "'target-space'"}.`,
        'Find the source project'
      )
    }
    const close = list
      .filter((p) => p.name.toLowerCase().includes(want.toLowerCase()))
      .map((p) => `'${p.name}'`)
    throw new PipelineError(
      `Input '${input}': no project with id or exact name '${want}' ${where}.${close.length ? ` Similar names: ${close.join(', ')}.` : ''}`,
      'Find the source project'
    )
  }

  private async exportPackage(
    api: QlikApi,
    src: Project
  ): Promise<{ info: PackageInfo; path: string }> {
    let zip: Uint8Array | undefined
    let info: PackageInfo | undefined
    // A corrupt or truncated body is re-exported once: export changes nothing on the source.
    for (let attempt = 1; attempt <= 2 && !info; attempt++) {
      zip = await api.exportProject(src.id, this.o.exportMode, this.o.includeBindings)
      try {
        info = readPackageInfo(zip)
      } catch (e) {
        if (!(e instanceof PackageReadError)) throw e
        if (attempt === 2) {
          throw new PipelineError(
            `The export of '${src.name}' from ${api.host} is not a valid package twice in a row: ${e.message}`,
            'Export the source project'
          )
        }
        this.log.warning(`The exported package is not valid (${e.message}); exporting again.`)
      }
    }
    const bytes = zip as Uint8Array
    const pkg = info as PackageInfo
    mkdirSync(this.deps.workDir, { recursive: true })
    const path = join(this.deps.workDir, `${slug(src.name)}.zip`)
    writeFileSync(path, bytes)
    this.report.package = {
      path,
      sha256: pkg.sha256,
      bytes: pkg.bytes,
      format: pkg.format,
      exportMode: this.o.exportMode,
      declared: pkg.declared
    }
    this.log.info(
      `Exported ${pkg.format} package (${this.o.exportMode}): ${pkg.bytes} bytes, sha256 ${pkg.sha256}, ${pkg.declared.length} binding variable(s)`
    )
    return { info: pkg, path }
  }

  private async storeArtifact(src: Project, zipPath: string, info: PackageInfo): Promise<void> {
    const name = this.o.artifactName || defaultArtifactName(src.name, this.deps.run.ref)
    const manifest = {
      sourceTenant: this.report.source?.tenant,
      projectId: src.id,
      projectName: src.name,
      projectType: src.type,
      platformType: src.platformType,
      projectDescription: src.description ?? '',
      exportMode: this.o.exportMode,
      includeBindings: this.o.includeBindings,
      format: info.format,
      gitRef: this.deps.run.ref,
      gitSha: this.deps.run.sha,
      repository: this.deps.run.repository,
      runId: this.deps.run.runId,
      packageFile: zipPath.split('/').pop(),
      packageSha256: info.sha256,
      packageBytes: info.bytes,
      declaredVariables: info.declared,
      createdAt: new Date(this.deps.clock.now()).toISOString()
    }
    const manifestPath = join(this.deps.workDir, 'manifest.json')
    writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`)
    const stored = await this.deps.artifacts.save(
      name,
      [zipPath, manifestPath],
      this.deps.workDir,
      this.o.retentionDays
    )
    this.report.artifact = {
      kind: this.deps.artifacts.kind,
      ...(stored.id ? { id: stored.id } : {}),
      name: stored.name,
      location: stored.location
    }
    this.log.info(
      `Package kept as ${this.deps.artifacts.kind} artifact '${stored.name}' (${stored.location})`
    )
  }

  /** Export the target project as it is now (ALL, with its bindings) and keep it as an artifact. */
  private async backupTarget(api: QlikApi, project: Project): Promise<{ name: string }> {
    const zip = await api.exportProject(project.id, 'ALL', true)
    const info = readPackageInfo(zip)
    const dir = join(this.deps.workDir, 'backup')
    mkdirSync(dir, { recursive: true })
    const zipPath = join(dir, `${slug(project.name)}.zip`)
    writeFileSync(zipPath, zip)
    const stamp = new Date(this.deps.clock.now())
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z')
    const name = `qlik-di-backup-${slug(project.name)}-${slug(api.host.split(/[.:]/)[0] ?? 'target')}-${stamp}`
    const manifest = {
      kind: 'backup',
      sourceTenant: api.host,
      projectId: project.id,
      projectName: project.name,
      projectType: project.type,
      platformType: project.platformType,
      projectDescription: project.description ?? '',
      exportMode: 'ALL',
      includeBindings: true,
      format: info.format,
      gitRef: this.deps.run.ref,
      runId: this.deps.run.runId,
      packageFile: basename(zipPath),
      packageSha256: info.sha256,
      packageBytes: info.bytes,
      createdAt: new Date(this.deps.clock.now()).toISOString()
    }
    const manifestPath = join(dir, 'manifest.json')
    writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`)
    const stored = await this.deps.artifacts.save(
      name,
      [zipPath, manifestPath],
      dir,
      this.o.retentionDays
    )
    this.report.backup = {
      name: stored.name,
      location: stored.location,
      ...(stored.id ? { id: stored.id } : {}),
      projectId: project.id,
      sha256: info.sha256
    }
    this.log.info(
      `Backed up ${project.name} (${project.id}) as ${this.deps.artifacts.kind} artifact '${stored.name}' (${stored.location})`
    )
    return { name: stored.name }
  }

  /** How to undo a failed deploy, when a backup was made. */
  private rollbackHint(): string {
    const b = this.report.backup
    if (!b) return ''
    return (
      ` To roll back to the version before this run: run this action with mode: deploy, artifact-name: ${b.name}` +
      `${this.o.artifactRunId === undefined && this.deps.artifacts.kind === 'github' ? ` (from another run: artifact-run-id: ${this.deps.run.runId} and github-token)` : ''}` +
      `, target-project: ${b.projectId}, and allow-recreate: true if this version added datasets.`
    )
  }

  private async resolveSpace(api: QlikApi, want: string, input: string): Promise<Space> {
    const exact = (await api.findSpaces(want)).filter((s) => s.name === want)
    if (exact.length === 1) return exact[0] as Space
    if (exact.length > 1) {
      throw new PipelineError(
        `Input '${input}': ${exact.length} spaces are named '${want}' on ${api.host}: ${exact.map((s) => s.id).join(', ')}. Give the space id.`,
        'Find the space'
      )
    }
    const byId = await api.getSpace(want)
    if (byId) return byId
    const similar = (await api.findSpaces(want.slice(0, 3))).map((s) => `'${s.name}'`).slice(0, 10)
    throw new PipelineError(
      `Input '${input}': no space with id or name '${want}' on the ${api.tenant} tenant ${api.host}, or the credential cannot see it.${similar.length ? ` Spaces with similar names: ${similar.join(', ')}.` : ''}`,
      'Find the space'
    )
  }

  private async findSpace(api: QlikApi): Promise<Space> {
    const space = await this.resolveSpace(api, this.o.targetSpace, 'target-space')
    this.log.info(`Target space: ${space.name} (${space.id}) on ${api.host}`)
    return space
  }

  private async findTargetProject(
    api: QlikApi,
    space: Space,
    name: string
  ): Promise<Project | undefined> {
    const list = await api.listProjects(space.id)
    const byId = list.find((p) => p.id === name)
    if (byId) return byId
    const matches = list.filter((p) => p.name === name)
    if (matches.length > 1) {
      throw new PipelineError(
        `Input 'target-project': ${matches.length} projects are named '${name}' in space ${space.name} on ${api.host}: ${matches.map((p) => p.id).join(', ')}. Give the project id.`,
        'Find the target project'
      )
    }
    return matches[0]
  }

  private async createTarget(
    api: QlikApi,
    src: Project,
    space: Space,
    name: string
  ): Promise<Project> {
    const c = this.o.create
    const body = {
      name,
      type: c.projectType ?? src.type ?? 'DATA_PIPELINE',
      space: space.id,
      description: c.description ?? src.description ?? '',
      ...((c.platformType ?? src.platformType)
        ? { platformType: (c.platformType ?? src.platformType) as string }
        : {}),
      ...(c.platformConnection ? { platformConnection: c.platformConnection } : {}),
      ...(c.cloudStagingConnection ? { cloudStagingConnection: c.cloudStagingConnection } : {})
    }
    try {
      const p = await api.createProject(body)
      this.log.info(`Created target project ${p.name} (${p.id}) in ${space.name}`)
      return p
    } catch (e) {
      // The create may have happened although we saw no answer: look before anything else.
      if (e instanceof QlikApiError && (e.details.outcomeUnknown || (e.status ?? 0) >= 500)) {
        this.log.warning(
          `Creating the project gave no clear answer (${e.message}); looking for it by name before going on.`
        )
        const found = await this.findTargetProject(api, space, name)
        if (found) return found
      }
      throw e
    }
  }

  private async waitAndCheck(
    api: QlikApi,
    key: 'import' | 'prepare' | 'validate',
    label: string,
    actionId: string
  ): Promise<ActionStatus> {
    this.log.info(`${label} started: action ${actionId}`)
    const { status, elapsedMs, checks } = await waitForAction(api, actionId, label, {
      firstDelayMs: this.o.pollIntervalSeconds * 1000,
      ...DEFAULT_WAIT,
      ...this.deps.polling,
      timeoutMs: this.o.timeoutSeconds * 1000,
      sleep: (ms) => this.deps.clock.sleep(ms),
      now: () => this.deps.clock.now(),
      log: (line) => this.log.info(line)
    })
    this.report.actions[key] = { actionId, state: status.state, elapsedMs, checks }
    for (const t of status.taskDetails ?? []) {
      this.report.tasks.push({
        step: key,
        taskId: t.taskId ?? '',
        name: t.name ?? t.taskId ?? '',
        state: t.state ?? '',
        ...(t.error?.message ? { message: t.error.message } : {})
      })
    }
    if (status.state !== 'COMPLETED') {
      const failed = failedTasks(status)
      for (const t of failed) {
        this.log.error(
          `${label} failed for task ${t.name}${t.taskId ? ` (${t.taskId})` : ''}: ${t.message}${t.code ? ` [${t.code}]` : ''}${t.details ? ` ${t.details}` : ''}`,
          { title: `${label} failed: ${t.name}` }
        )
      }
      const err = status.error
      const what = err
        ? `${err.message ?? ''}${err.code ? ` [${err.code}]` : ''}${err.details ? `: ${err.details}` : ''}`
        : ''
      throw new PipelineError(
        `${label} ended ${status.state} on the ${api.tenant} tenant ${api.host} (action ${actionId})` +
          `${what ? `: ${what}` : ''}${failed.length ? `. Failed task(s): ${failed.map((t) => `${t.name}: ${t.message}`).join('; ')}` : ''}` +
          `. ${nextStepHint(key)}${this.rollbackHint()}`,
        label
      )
    }
    return status
  }
}

/** `{{id(connection, SPACE.NAME)}}`, capturing the space and the connection name. */
const CONNECTION_PARTS = /^\{\{\s*id\(\s*connection\s*,\s*([^.\s]+)\.([^)]+?)\s*\)\s*\}\}$/

function planLines(p: DryRunPlan): string[] {
  const list = (xs: string[]): string => (xs.length ? xs.join(', ') : 'none')
  return [
    `Plan: ${p.project} the target project`,
    `Bindings added: ${list(p.bindings.added)}`,
    `Bindings changed: ${list(p.bindings.changed)}`,
    `Bindings unchanged: ${list(p.bindings.unchanged)}`,
    `On the target but not declared by the package (kept): ${list(p.bindings.undeclaredKept)}`,
    ...p.connections.map((c) => `Connection ${c.variable}: ${c.status}`),
    ...p.steps.map((st, i) => `Would run ${i + 1}. ${st}`)
  ]
}

/** Connection expressions among the values that the tenant could not map to an id. */
export function unresolvedConnections(
  values: Record<string, string | null>,
  nameToIdMap: Record<string, string>
): Array<{ variable: string; expression: string }> {
  return Object.entries(values)
    .filter(
      ([, v]) => typeof v === 'string' && CONNECTION_PARTS.test(v.trim()) && !(v in nameToIdMap)
    )
    .map(([variable, v]) => ({ variable, expression: v as string }))
}

function nextStepHint(key: 'import' | 'prepare' | 'validate'): string {
  if (key === 'import')
    return 'The target project was not changed by the failed import; fix the bindings or the package and run again.'
  if (key === 'prepare')
    return "The package is imported but not prepared: fix the cause (connections, bindings) and run again, or set 'allow-recreate' if datasets must be recreated."
  return 'The package is imported and prepared but does not validate: fix the cause in the source project or the target connections and run again.'
}

function explain(e: unknown, step: string): string {
  if (e instanceof QlikApiError) return `${step}: ${e.message}`
  return `${step}: ${(e as Error).message ?? String(e)}`
}
