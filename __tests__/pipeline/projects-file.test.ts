import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { stringify } from 'yaml'
import type { Simulator } from '../../src/simulator/server.js'
import { renderSummary } from '../../src/report/summary.js'
import { loadProjectsFile } from '../../src/set/file.js'
import { runPromote, threeProjectEntries } from '../helpers/pipeline.js'
import { startDemo, threeProjects } from '../helpers/sim.js'

const platform = { platformConnection: '{{id(connection, PROD_DATA.snowflake_prod)}}' }

function file(projects: object[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'qdp-set-'))
  const path = join(dir, 'projects.yaml')
  writeFileSync(path, stringify({ projects }))
  return path
}

// listed dependent-first on purpose: the order comes from dependsOn
const set = () => file(threeProjectEntries())

const noSingle = { 'source-project': '', bindings: '' }

let sim: Simulator
beforeEach(async () => {
  sim = await startDemo(threeProjects())
})
afterEach(async () => {
  await sim.close()
})

describe('projects-file: several projects in dependency order', () => {
  it('promotes upstream first and binds each reference to the upstream target id', async () => {
    const { report, log } = await runPromote(sim, { ...noSingle, 'projects-file': set() })
    expect(report.error).toBeUndefined()
    expect(report.projects?.map((p) => [p.name, p.state])).toEqual([
      ['Hub', 'done'],
      ['Marts', 'done'],
      ['Reports', 'done']
    ])
    const prod = sim.state('prod').projects
    const hub = prod.find((p) => p.name === 'Hub')!
    const marts = prod.find((p) => p.name === 'Marts')!
    expect(marts.bindings['project.hub.projectId']).toBe(hub.id)
    expect(prod.find((p) => p.name === 'Reports')!.bindings['project.marts.projectId']).toBe(
      marts.id
    )
    expect(log.text().indexOf('== Project Hub ==')).toBeLessThan(
      log.text().indexOf('== Project Reports ==')
    )
    const md = renderSummary(report)
    expect(md.split('\n')[0]).toMatch(/^## ✅ Promoted 3 project\(s\) → /)
    expect(md).toContain('| 1 | Hub | ✅ done |')
    expect(md).toContain('<details><summary>Reports</summary>')
  })

  it("the set's report is the set's own: every project's changes under its name, no field of one project", async () => {
    const { report } = await runPromote(sim, {
      ...noSingle,
      'projects-file': set(),
      'max-parallel': '3'
    })
    expect(report.error).toBeUndefined()
    // nothing of a single project at the top: neither its target, steps, writes nor package
    for (const key of ['source', 'target', 'package', 'bindings', 'plan', 'guards'] as const)
      expect(report[key]).toBeUndefined()
    expect(report.steps).toEqual([])
    expect(report.ledger.entries).toEqual([])
    expect(report.actions).toEqual({})
    // the account: each project's, under its name, in the order they ran
    for (const name of ['Hub', 'Marts', 'Reports']) {
      const own = report.projectReports!.find((x) => x.name === name)!.report
      expect(own.ledger.account.length).toBeGreaterThan(0)
      for (const line of own.ledger.account)
        expect(report.ledger.account).toContain(`${name}: ${line}`)
      expect(report.ledger.account.some((l) => l.startsWith(`${name}: Changed on `))).toBe(true)
    }
    expect(report.ledger.account.map((l) => l.split(':')[0])).toEqual(
      expect.arrayContaining(['Hub', 'Marts', 'Reports'])
    )
  })

  it('Qlik refuses a dependent project imported before its upstream one (the simulator too)', async () => {
    const { report } = await runPromote(sim, {
      'source-project': 'Marts',
      bindings: JSON.stringify({ ...platform, 'project.hub.projectId': 'no-such-project' })
    })
    expect(report.outcome).toBe('failed')
    expect(report.error).toContain(
      "Task 'Orders mart' selects datasets from task 'landing_hub' of project no-such-project (project.hub.projectId), which does not exist in this tenant: import the upstream project first"
    )
  })

  it('stops at the first failure, with every project state', async () => {
    sim.injectFault({
      tenant: 'prod',
      path: '/actions/import-async',
      after: 1,
      times: 1,
      actionOutcome: { state: 'FAILED', message: 'Table ORDERS is locked' }
    })
    const { report } = await runPromote(sim, { ...noSingle, 'projects-file': set() })
    expect(report.outcome).toBe('failed')
    expect(report.projects?.map((p) => p.state)).toEqual(['done', 'failed', 'not-started'])
    expect(report.error).toMatch(
      /^Project 'Marts' \(2 of 3\) failed; no project started after it \(Hub: done, Marts: failed, Reports: not-started \(upstream 'Marts' failed\)\)\./
    )
    expect(
      sim
        .state('prod')
        .projects.map((p) => p.name)
        .sort()
    ).toEqual(['Hub', 'Marts'])
  })

  it('refuses a cycle and an unknown dependency before any request', async () => {
    const cycle = file([
      { name: 'Hub', dependsOn: ['Reports'] },
      { name: 'Marts', dependsOn: ['Hub'] },
      { name: 'Reports', dependsOn: ['Marts'] }
    ])
    const a = await runPromote(sim, { ...noSingle, 'projects-file': cycle })
    expect(a.report.badInput).toBe(true)
    expect(a.report.error).toContain(
      'the dependencies form a cycle: Hub -> Reports -> Marts -> Hub'
    )
    const unknown = file([{ name: 'Marts', dependsOn: ['Hubb'] }])
    const b = await runPromote(sim, { ...noSingle, 'projects-file': unknown })
    expect(b.report.error).toContain("'Marts' depends on 'Hubb', which the file does not list")
    expect(sim.requests()).toEqual([])
  })

  it('a dry run plans every project, upstream ones not created yet', async () => {
    const { report } = await runPromote(sim, {
      ...noSingle,
      'projects-file': set(),
      'dry-run': 'true'
    })
    expect(report.error).toBeUndefined()
    expect(report.projectReports?.map((x) => x.report.plan?.project)).toEqual([
      'create',
      'create',
      'create'
    ])
    expect(sim.state('prod').projects).toEqual([])
  })

  it('build once, deploy many: one artifact with every package and set.json, deployed in order', async () => {
    const artifacts = mkdtempSync(join(tmpdir(), 'qdp-set-artifacts-'))
    const path = set()
    const exp = await runPromote(
      sim,
      { ...noSingle, mode: 'export', 'projects-file': path, 'artifact-name': 'release-set' },
      {},
      artifacts
    )
    expect(exp.report.error).toBeUndefined()
    expect(exp.report.artifact?.name).toBe('release-set')
    const held = readdirSync(join(artifacts, 'release-set')).sort()
    expect(held).toEqual([
      'hub.manifest.json',
      'hub.zip',
      'marts.manifest.json',
      'marts.zip',
      'reports.manifest.json',
      'reports.zip',
      'set.json'
    ])
    const manifest = JSON.parse(readFileSync(join(artifacts, 'release-set', 'set.json'), 'utf8'))
    expect(manifest.projects.map((p: { name: string }) => p.name)).toEqual([
      'Hub',
      'Marts',
      'Reports'
    ])
    expect(sim.requests({ tenant: 'prod' })).toEqual([])

    const dep = await runPromote(
      sim,
      {
        ...noSingle,
        mode: 'deploy',
        'source-tenant': '',
        'source-api-key': '',
        'projects-file': path,
        'artifact-name': 'release-set'
      },
      {},
      artifacts
    )
    expect(dep.report.error).toBeUndefined()
    expect(dep.report.projects?.map((p) => p.state)).toEqual(['done', 'done', 'done'])
    expect(
      dep.report.projectReports?.map((x) =>
        x.report.steps[0]?.detail?.endsWith('matches the manifest')
      )
    ).toEqual([true, true, true])
    expect(sim.state('prod').projects.map((p) => p.name)).toEqual(['Hub', 'Marts', 'Reports'])
    // a set artifact that lacks a project of the file is refused before any request
    sim.clearRequests()
    const more = file([{ name: 'Hub' }, { name: 'Finance' }])
    const refused = await runPromote(
      sim,
      { ...noSingle, mode: 'deploy', 'projects-file': more, 'artifact-name': 'release-set' },
      {},
      artifacts
    )
    expect(refused.report.badInput).toBe(true)
    expect(refused.report.error).toContain(
      "lists 'Finance', which artifact 'release-set' does not hold"
    )
    expect(sim.requests({ tenant: 'prod' })).toEqual([])
  })

  it('a set.json that names a path outside its artifact, or a link, is refused before any request', async () => {
    const artifacts = mkdtempSync(join(tmpdir(), 'qdp-set-artifacts-'))
    const path = set()
    const exp = await runPromote(
      sim,
      { ...noSingle, mode: 'export', 'projects-file': path, 'artifact-name': 'release-set' },
      {},
      artifacts
    )
    expect(exp.report.error).toBeUndefined()
    const setFile = join(artifacts, 'release-set', 'set.json')
    const original = readFileSync(setFile, 'utf8')
    const outside = join(artifacts, 'secret.txt')
    writeFileSync(outside, 'TOP-SECRET-CONTENT')
    const deploy = () =>
      runPromote(
        sim,
        { ...noSingle, mode: 'deploy', 'projects-file': path, 'artifact-name': 'release-set' },
        {},
        artifacts
      )
    sim.clearRequests()
    for (const bad of ['../../secret.txt', '../secret.txt', '..', '/etc/passwd']) {
      writeFileSync(setFile, original.replace('"hub.zip"', JSON.stringify(bad)))
      const { report } = await deploy()
      expect(report.badInput).toBe(true)
      expect(report.error).toContain('must be the plain name of a file in the artifact')
      expect(report.error).not.toContain('TOP-SECRET')
    }
    // a package file of the artifact that is a link to a file elsewhere is not followed
    writeFileSync(setFile, original)
    const { rmSync, symlinkSync } = await import('node:fs')
    rmSync(join(artifacts, 'release-set', 'hub.zip'))
    symlinkSync(outside, join(artifacts, 'release-set', 'hub.zip'))
    const linked = await deploy()
    expect(linked.report.badInput).toBe(true)
    expect(linked.report.error).not.toContain('TOP-SECRET')
    expect(sim.requests({ tenant: 'prod' }).filter((r) => r.method !== 'GET')).toEqual([])
  })

  it('the example projects file is valid and ordered', () => {
    const entries = loadProjectsFile(
      new URL('../../examples/projects.yaml', import.meta.url).pathname
    )
    expect(entries.map((e) => e.name)).toEqual(['Orders hub', 'Sales marts', 'Finance reports'])
  })
})
