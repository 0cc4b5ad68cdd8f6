/** projects-file through dist/index.js: three projects, the dependent one listed first; a cycle. */
import type { Simulator } from '../../src/simulator/server.js'
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
