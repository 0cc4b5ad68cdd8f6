/** projects-file through dist/index.js: three projects, the dependent one listed first; a cycle. */
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { RunReport } from '../../src/model/report.js'
import type { Simulator } from '../../src/simulator/server.js'
import { runCliBundle } from '../helpers/bundle.js'
import { runAction } from '../helpers/action.js'
import { projectsFile, setInputs, threeProjectEntries } from '../helpers/pipeline.js'
import { startDemo, threeProjects } from '../helpers/sim.js'

let sim: Simulator
beforeEach(async () => {
  sim = await startDemo(threeProjects())
})
afterEach(async () => {
  await sim.close()
})

it('promotes three projects upstream first, though the dependent one is listed first', async () => {
  const r = await runAction(setInputs(sim, projectsFile(threeProjectEntries())))
  expect(r.stderr).toBe('')
  expect(r.code).toBe(0)
  expect(r.summary).toContain('| 1 | Hub | ✅ done |')
  expect(r.summary).toContain('| 3 | Reports | ✅ done |')
  const prod = sim.state('prod').projects
  expect(prod.map((p) => p.name)).toEqual(['Hub', 'Marts', 'Reports'])
  // a set's outputs: one object per project, upstream first; none of one project's alone
  const id = (name: string) => prod.find((p) => p.name === name)!.id
  expect(JSON.parse(r.outputs.projects!)).toEqual(
    ['Hub', 'Marts', 'Reports'].map((name) => ({
      name,
      outcome: 'succeeded',
      'target-project-id': id(name),
      'project-created': true,
      'artifact-name': expect.stringMatching(/^qlik-di-/),
      error: ''
    }))
  )
  expect(r.outputs['target-project-id']).toBe('')
  expect(r.outputs['project-created']).toBe('')
  expect(r.outputs['import-state']).toBe('')
  // the step's last lines: every project's changes, each under its name
  for (const name of ['Hub', 'Marts', 'Reports'])
    expect(r.stdout).toMatch(new RegExp(`^${name}: Changed on the target tenant `, 'm'))
  // the report's top level is the set's own: no field of one project
  const report = JSON.parse(readFileSync(r.outputs['report-path']!, 'utf8')) as RunReport
  expect(report.target).toBeUndefined()
  expect(report.steps).toEqual([])
  expect(report.ledger.account.filter((l) => / Changed on /.test(l))).toHaveLength(3)
}, 90000)

it("the command line ends a set with every project's account", async () => {
  const prod = sim.tenantInfo('prod')
  const dev = sim.tenantInfo('dev')
  const r = await runCliBundle(
    [
      'promote',
      '--projects-file',
      projectsFile(threeProjectEntries()),
      '--target-space',
      'PROD_PIPELINES',
      '--poll-interval',
      '0.02',
      '--max-parallel',
      '2'
    ],
    mkdtempSync(join(tmpdir(), 'qdp-set-cli-')),
    {
      QLIK_SOURCE_TENANT: dev.url,
      QLIK_SOURCE_API_KEY: dev.apiKey,
      QLIK_TARGET_TENANT: prod.url,
      QLIK_TARGET_API_KEY: prod.apiKey
    }
  )
  expect(r.code).toBe(0)
  const last = r.out.slice(r.out.lastIndexOf('PROMOTED'))
  for (const name of ['Hub', 'Marts', 'Reports'])
    expect(last).toMatch(new RegExp(`^${name}: Changed on the target tenant `, 'm'))
}, 90000)

it('refuses a cycle before any request, naming it', async () => {
  const r = await runAction(
    setInputs(
      sim,
      projectsFile([
        { name: 'Hub', dependsOn: ['Marts'] },
        { name: 'Marts', dependsOn: ['Hub'] }
      ])
    )
  )
  expect(r.code).not.toBe(0)
  expect(r.stdout).toContain('the dependencies form a cycle: Hub -> Marts -> Hub')
  expect(sim.requests()).toEqual([])
}, 60000)
