/**
 * `npm run bench -- --only=plan`: what binding a deploy to its plan costs on a 1,000-task project.
 * The dry run computes the fingerprint and seals the plan; the real run reads the plan file (its
 * shape and own digest), computes the fingerprint again and compares. Measured in process on the
 * definitions a run has parsed anyway (the package and the target's export), with the digest of
 * the package's files, which only a plan needs. Target: under a second for all of it.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { readProjectFolder, zipDeterministic } from '../src/package/folder.js'
import { parseDefinition, unzipPackage } from '../src/package/layout.js'
import {
  filesDigest,
  fingerprint,
  loadPlan,
  planDifferences,
  sealPlan,
  type FingerprintFacts
} from '../src/pipeline/plan-file.js'
import { generateFolder } from './bench-validate.js'
import type { DryRunPlan } from '../src/model/plan.js'

export interface PlanBench {
  tasks: number
  /** The dry run's part: the package's files digest, the fingerprint, the seal, the file. */
  makeMs: number
  /** The real run's part: read and check the plan file, the fingerprint again, the comparison. */
  checkMs: number
  planBytes: number
  differences: number
}

export function planBench(tasks: number): PlanBench {
  const { dir } = generateFolder(tasks)
  const folder = readProjectFolder(dir)
  const zip = zipDeterministic(folder.files)
  const zipPath = join(dir, 'package.zip')
  writeFileSync(zipPath, zip)
  const definition = parseDefinition(folder.files).definition
  if (!definition) throw new Error('the generated folder has no definition')
  const steps = ['Back up the target project (export ALL with bindings)', 'Import the package']
  const facts = (salt: string): FingerprintFacts => ({
    salt,
    madeAt: new Date().toISOString(),
    tenant: 'prod.example.com',
    spaceId: 'space',
    projectName: 'Big',
    projectId: 'p',
    packageSha256: 'a'.repeat(64),
    packageContent: filesDigest(unzipPackage(zip)),
    sent: { platformConnection: 'x', 'task-type.storage.databaseName': 'DB' },
    secretNames: [],
    current: definition,
    targetBindings: { platformConnection: 'x' },
    running: definition.tasks.slice(0, 10),
    steps
  })
  const planPath = join(dir, 'qlik-di-promote-plan.json')
  const t0 = performance.now()
  const plan = {
    canApply: true,
    problems: [],
    steps,
    fingerprint: fingerprint(facts('0123456789abcdef'))
  } as unknown as DryRunPlan
  sealPlan(plan)
  const text = `${JSON.stringify(plan, null, 2)}\n`
  writeFileSync(planPath, text)
  const t1 = performance.now()
  const loaded = loadPlan(planPath)
  const now = fingerprint(facts(loaded.plan.fingerprint.digests.salt))
  const found = planDifferences(loaded.plan.fingerprint, loaded.plan.steps, now, steps)
  const t2 = performance.now()
  return {
    tasks,
    makeMs: t1 - t0,
    checkMs: t2 - t1,
    planBytes: Buffer.byteLength(text),
    differences: found.length
  }
}
