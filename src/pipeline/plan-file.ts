/* eslint-disable max-lines -- issue 33: to be split (known when the rule came in) */
import { createHash } from 'node:crypto'
import { readFileSync, statSync } from 'node:fs'
import { z } from 'zod'
import { effective, projectSettings, settingLeaves } from '../package/diff.js'
import { stableJson } from '../package/files.js'
import type { ProjectDefinition, TaskDefinition } from '../package/layout.js'
import { oneLine, quote, say } from '../text/escape.js'
import { InputError } from './errors.js'
import type { PlanFingerprint, TargetDigests } from '../model/plan.js'
import type { DryRunPlan } from '../model/plan.js'

/**
 * Plans that bind a deploy. A dry run's plan carries a fingerprint of what it was made from: the
 * package, the bindings it would send, the target as it read it (project, every task's settings
 * and files as the release diff compares them, the target's bindings, the running tasks) and the
 * steps it would run. A real run given that plan (`plan-file`) computes the same fingerprint
 * before its first write and refuses when anything differs, naming each difference. Values are
 * never stored: only digests, salted per plan (a binding's value cannot be looked up in a table).
 */

export const CHECK_PLAN = 'Check the run against the plan (plan-file)'

/** Digests of one part of the fingerprint are this long (64 bits: enough to see a change). */
const SHORT = 16

export interface FingerprintFacts {
  salt: string
  madeAt: string
  commit?: string
  run?: string
  tenant: string
  spaceId: string
  projectName: string
  projectId?: string
  packageSha256: string
  packageContent: string
  sent: Record<string, string | null>
  secretNames: string[]
  /** The target project's definition from its export; undefined when it does not exist. */
  current?: ProjectDefinition
  targetBindings?: Record<string, unknown>
  /** Running tasks, when every task's state was read. */
  running?: Array<{ id: string }>
  steps: string[]
}

const sha = (s: string): string => createHash('sha256').update(s).digest('hex')
const short = (v: unknown): string => sha(stableJson(v ?? null)).slice(0, SHORT)

/** A binding's value as a digest that a table of common values cannot reverse: salted per plan. */
const salted = (salt: string, name: string, value: unknown): string =>
  sha(`${salt}\u0000${name}\u0000${stableJson(value ?? null)}`).slice(0, 32)

const sortedRecord = <T>(entries: Array<[string, T]>): Record<string, T> =>
  Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))

function taskUnits(t: TaskDefinition): Record<string, string> {
  const units: Array<[string, string]> = [
    ['name', short(t.name)],
    ['type', short(t.type)],
    ['description', short(t.description)]
  ]
  for (const [p, v] of Object.entries(settingLeaves(effective(t))))
    units.push([`setting ${p}`, short(v)])
  for (const [f, d] of Object.entries(t.contents ?? {}))
    units.push([`file ${f}`, d.slice(0, SHORT)])
  for (const d of t.datasets) units.push([`dataset ${d}`, short(true)])
  for (const [role, v] of Object.entries(t.connectionVars))
    units.push([`${role} variable`, short(v)])
  if (t.upstream) units.push(['upstream', short(t.upstream)])
  return sortedRecord(units)
}

function projectUnits(d: ProjectDefinition): Record<string, string> {
  return sortedRecord([
    ['description', short(d.project.description)],
    ...Object.entries(settingLeaves(projectSettings(d))).map(([p, v]): [string, string] => [
      `setting ${p}`,
      short(v)
    ])
  ])
}

export function fingerprint(f: FingerprintFacts): PlanFingerprint {
  const d = f.current
  const bindings = f.targetBindings ?? {}
  const running = f.running?.map((t) => t.id).sort()
  const targetBindings = sortedRecord(
    Object.entries(bindings).map(([k, v]): [string, string] => [k, salted(f.salt, k, v)])
  )
  // the whole target with full values (bindings salted), so that a change the short digests of
  // the parts would miss still changes `all`
  const all = sha(
    stableJson(
      JSON.parse(
        JSON.stringify({
          exists: d !== undefined,
          projectId: f.projectId ?? null,
          project: d ? { description: d.project.description, settings: projectSettings(d) } : null,
          tasks: d?.tasks.map((t) => ({ ...t, settings: effective(t) })) ?? [],
          bindings: targetBindings
        })
      )
    )
  )
  return {
    version: 1,
    madeAt: f.madeAt,
    ...(f.commit ? { commit: f.commit } : {}),
    ...(f.run ? { run: f.run } : {}),
    target: {
      tenant: f.tenant,
      spaceId: f.spaceId,
      projectName: f.projectName,
      ...(f.projectId ? { projectId: f.projectId } : {})
    },
    package: { sha256: f.packageSha256, content: f.packageContent },
    digests: {
      salt: f.salt,
      sent: sortedRecord(
        Object.entries(f.sent).map(([k, v]): [string, string] => [k, salted(f.salt, k, v)])
      ),
      secret: [...f.secretNames].sort(),
      target: {
        all,
        project: d ? projectUnits(d) : {},
        tasks: sortedRecord(
          (d?.tasks ?? []).map((t): [string, Record<string, string>] => [t.id, taskUnits(t)])
        ),
        bindings: targetBindings,
        ...(running ? { running } : {})
      },
      steps: f.steps.map(short)
    },
    names: { tasks: sortedRecord((d?.tasks ?? []).map((t): [string, string] => [t.id, t.name])) }
  }
}

/** The digest of the files a package ZIP holds (their paths and bytes, in order of path). */
export function filesDigest(files: Record<string, Uint8Array>): string {
  const h = createHash('sha256')
  for (const p of Object.keys(files).sort()) {
    h.update(`${p}\u0000${files[p]?.length ?? 0}\u0000`)
    h.update(files[p] ?? new Uint8Array())
  }
  return h.digest('hex')
}

/** A plan's own digest: its JSON (as written and read back) without fingerprint.digest. */
export function planDigest(plan: DryRunPlan): string {
  const copy = JSON.parse(JSON.stringify(plan)) as DryRunPlan
  if (copy.fingerprint) delete copy.fingerprint.digest
  return sha(stableJson(copy))
}

/** Set the plan's own digest, once it is final (after the report's redaction). */
export function sealPlan(plan: DryRunPlan | undefined): void {
  if (plan?.fingerprint) plan.fingerprint.digest = planDigest(plan)
}

const task = (id: string, names: Record<string, string>, other: Record<string, string>): string =>
  say`task ${quote(names[id] ?? other[id] ?? id)} (${id})`

/** What a part of a task or project is called in a message. */
function unitWords(unit: string): string {
  if (unit === 'name') return 'the name'
  if (unit === 'type') return 'the type'
  if (unit === 'description') return 'the description'
  if (unit === 'upstream') return 'the upstream task'
  return unit.replace(/^(sourceConnection|targetConnection) variable$/, 'the $1 variable')
}

function unitChanges(
  before: Record<string, string>,
  after: Record<string, string>,
  subject: string
): string[] {
  const out: string[] = []
  for (const u of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
    const a = before[u]
    const b = after[u]
    if (a === b) continue
    // a part's name comes from the package, the tenant or the plan file: one line, as data
    if (u.startsWith('dataset '))
      out.push(
        `${subject}: ${oneLine(u)} ${a === undefined ? 'was added to the target' : 'was removed from the target'} since the plan`
      )
    else out.push(`${subject}: ${oneLine(unitWords(u))} changed since the plan`)
  }
  return out
}

/**
 * Each difference between the plan's fingerprint and this run's, in words (task, setting, file,
 * binding name; never a value). `planSteps` are the plan's steps as written (its texts).
 */
export function planDifferences(
  plan: PlanFingerprint,
  planSteps: string[],
  now: PlanFingerprint,
  nowSteps: string[]
): string[] {
  const out: string[] = []
  const pp = plan.package
  const np = now.package
  if (pp.sha256 !== np.sha256 && pp.content !== np.content)
    out.push(
      `the package is not the plan's: the plan's package has sha256 ${pp.sha256}, this run's has sha256 ${np.sha256}`
    )
  out.push(...targetDifferences(plan, now))
  // the bindings this run would send
  const ps = plan.digests.sent
  const ns = now.digests.sent
  for (const name of [...new Set([...Object.keys(ps), ...Object.keys(ns)])].sort()) {
    if (ps[name] === ns[name]) continue
    out.push(
      ps[name] === undefined
        ? say`binding ${name} would be sent by this run, not by the plan`
        : ns[name] === undefined
          ? say`binding ${name} is in the plan, this run would not send it`
          : say`binding ${name} would be sent with another value than the plan's`
    )
  }
  // the steps (the options that make them: quiesce, prepare, run-tasks, backup...)
  const pd = plan.digests.steps
  const nd = now.digests.steps
  if (pd.join() !== nd.join()) {
    const gone = pd.flatMap((d, i) => (nd.includes(d) ? [] : [planSteps[i] ?? `step ${i + 1}`]))
    const extra = nd.flatMap((d, i) => (pd.includes(d) ? [] : [nowSteps[i] ?? `step ${i + 1}`]))
    for (const st of gone) out.push(say`the plan's step ${quote(st)} is not a step of this run`)
    for (const st of extra) out.push(say`this run would ${quote(st)}, which the plan does not`)
    if (!gone.length && !extra.length) out.push('the steps are in another order than the plan')
  }
  return out
}

function targetDifferences(plan: PlanFingerprint, now: PlanFingerprint): string[] {
  const p = plan.target
  const n = now.target
  if (p.tenant !== n.tenant)
    return [say`the plan is for target tenant ${p.tenant}; this run targets ${n.tenant}`]
  if (p.spaceId !== n.spaceId)
    return [say`the plan is for target space ${p.spaceId}; this run targets space ${n.spaceId}`]
  if (p.projectId !== n.projectId) {
    if (!p.projectId)
      return [
        say`the target project ${quote(n.projectName)} was created since the plan (${n.projectId}); the plan was for a new project`
      ]
    if (!n.projectId)
      return [say`the target project ${quote(p.projectName)} (${p.projectId}) no longer exists`]
    return [
      say`the target project ${quote(n.projectName)} is another project now (${n.projectId}; the plan's was ${p.projectId})`
    ]
  }
  const pt = plan.digests.target
  const nt = now.digests.target
  const names = now.names.tasks
  const old = plan.names.tasks
  const out: string[] = pt.all === nt.all ? [] : definitionDifferences(pt, nt, names, old)
  if (pt.running && nt.running) {
    for (const id of pt.running.filter((x) => !nt.running?.includes(x)))
      out.push(`${task(id, names, old)} was running when the plan was made, and is not now`)
    for (const id of nt.running.filter((x) => !pt.running?.includes(x)))
      out.push(`${task(id, names, old)} is running now, and was not when the plan was made`)
  }
  return out
}

function definitionDifferences(
  pt: TargetDigests,
  nt: TargetDigests,
  names: Record<string, string>,
  old: Record<string, string>
): string[] {
  const out: string[] = []
  out.push(
    ...unitChanges(pt.project, nt.project, 'the project').map((l) =>
      l.replace(/^the project: the /, "the project's ").replace(/^the project: /, 'project ')
    )
  )
  for (const id of [...new Set([...Object.keys(pt.tasks), ...Object.keys(nt.tasks)])].sort()) {
    const a = pt.tasks[id]
    const b = nt.tasks[id]
    if (!a) out.push(`${task(id, names, old)} was added to the target since the plan`)
    else if (!b) out.push(`${task(id, old, names)} was removed from the target since the plan`)
    else out.push(...unitChanges(a, b, task(id, names, old)))
  }
  for (const name of [
    ...new Set([...Object.keys(pt.bindings), ...Object.keys(nt.bindings)])
  ].sort()) {
    const a = pt.bindings[name]
    const b = nt.bindings[name]
    if (a === b) continue
    out.push(
      a === undefined
        ? say`binding ${name} was set on the target since the plan`
        : b === undefined
          ? say`binding ${name} was removed from the target since the plan`
          : say`binding ${name} changed on the target since the plan`
    )
  }
  if (!out.length)
    out.push(
      `the target changed since the plan in a way the parts of its fingerprint do not name (digest ${pt.all.slice(0, 12)}…, now ${nt.all.slice(0, 12)}…)`
    )
  return out
}

// ---------------------------------------------------------------------------------------------
// Reading a plan file (input 'plan-file'): bad input, found before any request

/**
 * A plan file is JSON of a size a dry run writes (about 0.7 MB for 1,000 tasks); this bounds what
 * is read and parsed (a set of 100 such projects fits).
 */
export const MAX_PLAN_FILE_BYTES = 96 * 1024 * 1024

const hex = (n: number) => z.string().regex(new RegExp(`^[0-9a-f]{${n}}$`))
const digestMap = z.record(z.string(), z.string().max(64))
const fingerprintSchema = z.object({
  version: z.literal(1),
  digest: hex(64),
  madeAt: z.string(),
  commit: z.string().optional(),
  run: z.string().optional(),
  target: z.object({
    tenant: z.string(),
    spaceId: z.string(),
    projectName: z.string(),
    projectId: z.string().optional()
  }),
  package: z.object({ sha256: hex(64), content: hex(64) }),
  digests: z.object({
    salt: z.string(),
    sent: digestMap,
    secret: z.array(z.string()),
    target: z.object({
      all: hex(64),
      project: digestMap,
      tasks: z.record(z.string(), digestMap),
      bindings: digestMap,
      running: z.array(z.string()).optional()
    }),
    steps: z.array(z.string())
  }),
  names: z.object({ tasks: z.record(z.string(), z.string()) })
})
const planSchema = z.looseObject({
  canApply: z.boolean(),
  problems: z.array(z.string()),
  steps: z.array(z.string()),
  fingerprint: fingerprintSchema.optional()
})

export type SealedPlan = DryRunPlan & { fingerprint: PlanFingerprint & { digest: string } }

export interface LoadedPlan {
  path: string
  plan: SealedPlan
  /** The project of a projects file this plan is for. */
  project?: string
}

/** What a plan file holds: one plan, or one per project of a projects file (in order). */
type PlanFileContent =
  { kind: 'one'; plan: unknown } | { kind: 'set'; plans: Array<{ project: string; plan: unknown }> }

const read = new Map<string, PlanFileContent>()

function readPlanFile(path: string): PlanFileContent {
  const bad = (why: string) =>
    new InputError(`Input 'plan-file' (${path}) ${why}`, 'Check the inputs')
  let st
  try {
    st = statSync(path)
  } catch (e) {
    throw bad(
      `cannot be read: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}. Give the qlik-di-promote-plan.json a dry run wrote (its output plan-file).`
    )
  }
  if (!st.isFile()) throw bad('is not a file: give the qlik-di-promote-plan.json a dry run wrote.')
  if (st.size > MAX_PLAN_FILE_BYTES)
    throw bad(`is ${st.size} bytes, more than a plan file can be (${MAX_PLAN_FILE_BYTES}).`)
  // a set's projects read the same file: parsed once (a file written again is read again)
  const key = `${path}\u0000${st.mtimeMs}\u0000${st.size}`
  const cached = read.get(key)
  if (cached) return cached
  let doc: unknown
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'))
  } catch (e) {
    throw bad(`is not JSON: ${(e as Error).message}.`)
  }
  let content: PlanFileContent
  if (Array.isArray(doc)) {
    const plans = z.array(z.looseObject({ project: z.string(), plan: z.unknown() })).safeParse(doc)
    if (!plans.success)
      throw bad('is a list, but not the plans of a projects file ({project, plan} each).')
    content = { kind: 'set', plans: plans.data.map((x) => ({ project: x.project, plan: x.plan })) }
  } else content = { kind: 'one', plan: doc }
  read.clear()
  read.set(key, content)
  return content
}

/**
 * The plan of this run (`project`: the entry of a projects file), checked as far as it can be
 * without a request: its shape, its own digest (an edited plan is refused) and its verdict.
 */
export function loadPlan(path: string, project?: string): LoadedPlan {
  const content = readPlanFile(path)
  const bad = (why: string) =>
    new InputError(`Input 'plan-file' (${path}) ${why}`, 'Check the inputs')
  let raw: unknown
  if (project === undefined) {
    if (content.kind === 'set')
      throw bad(
        `holds the plans of a projects file (${content.plans.map((x) => quote(x.project)).join(', ')}): give the same projects-file too, or the plan of a dry run of one project.`
      )
    raw = content.plan
  } else {
    if (content.kind === 'one')
      throw bad(
        'holds the plan of one project, not of a projects file: give the plan a dry run with this projects-file wrote.'
      )
    const entry = content.plans.find((x) => x.project === project)
    if (!entry)
      throw bad(
        say`has no plan for project ${quote(project)} (it has plans for ${content.plans.map((x) => quote(x.project)).join(', ') || 'no project'}): a project without a plan is not deployed; make the plan with the same projects-file and selection.`
      )
    if (entry.plan === null)
      throw bad(
        say`has no plan for project ${quote(project)}: its dry run failed before it could plan; make a new plan.`
      )
    raw = entry.plan
  }
  const parsed = planSchema.safeParse(raw)
  if (!parsed.success)
    throw bad(
      `is not a plan file this version reads: ${parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`)
        .join('; ')}.`
    )
  const plan = parsed.data as unknown as SealedPlan
  if (!plan.fingerprint)
    throw bad(
      'holds a plan without a fingerprint (a drift check wrote it, or an earlier version of this action): make the plan with a dry run of this version.'
    )
  let digest: string
  try {
    digest = planDigest(plan)
  } catch (e) {
    // a plan nested deeper than any plan is (its digest walks it)
    if (e instanceof RangeError) throw bad('is not a plan file: it is nested too deeply.')
    throw e
  }
  if (digest !== plan.fingerprint.digest)
    throw bad(
      `was changed after it was made: it says its digest is ${plan.fingerprint.digest.slice(0, 12)}…, its content has ${digest.slice(0, 12)}…. Apply the plan file as the dry run wrote it.`
    )
  if (!plan.canApply)
    throw bad(
      `is the plan of a run that would fail (${plan.problems.join(' ')}): it cannot be applied. Fix the cause and make a new plan.`
    )
  return { path, plan, ...(project !== undefined ? { project } : {}) }
}
