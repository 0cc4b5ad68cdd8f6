import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ReleaseDiff } from '../../src/package/diff.js'
import { dataImpact, impactLine, impactProblems } from '../../src/pipeline/steps/impact.js'
import { planMarkdown } from '../../src/report/plan.js'
import type { Simulator } from '../../src/simulator/server.js'
import { deploySupport } from '../helpers/pipeline.js'
import { startDemo } from '../helpers/sim.js'

const change = (id: string, patch: Partial<ReleaseDiff['tasks']['changed'][number]> = {}) => ({
  id,
  name: id,
  type: 'STORAGE',
  settings: [],
  datasetsAdded: [],
  datasetsRemoved: [],
  connections: [],
  files: [],
  ...patch
})

const diff: ReleaseDiff = {
  targetExists: true,
  project: { settings: [], descriptionChanged: false },
  tasks: {
    added: [{ id: 'mart', name: 'mart', type: 'DATAMART', datasets: 2 }],
    removed: [{ id: 'old', name: 'old', type: 'LANDING' }],
    changed: [
      change('dropper', { datasetsRemoved: ['orders'] }),
      change('redefiner', { files: ['datasets/customers.yaml', 'task.yaml'] }),
      change('settings', { settings: [{ path: '/a', from: 1, to: 2 }] })
    ],
    unchanged: []
  },
  variables: { added: [], removed: [] }
} as unknown as ReleaseDiff

describe('the data impact of a release, one kind at a time', () => {
  const off = dataImpact(diff, { allowRecreate: false, prepare: true })
  const kind = (id: string) => off.tasks.find((t) => t.id === id)
  it('a dataset the package no longer has: prepare drops it, a blocker without allow-recreate', () => {
    expect(kind('dropper')).toMatchObject({ kind: 'drop', datasets: ['orders'] })
    expect(impactProblems(off)).toEqual([
      "A real run would fail at prepare: task 'dropper' would drop dataset(s) orders (not in the package); set allow-recreate: true to accept losing their data."
    ])
    const on = dataImpact(diff, { allowRecreate: true, prepare: true })
    expect(impactProblems(on)).toEqual([])
    expect(
      impactLine(
        on.tasks.find((t) => t.id === 'dropper')!,
        on
      )
    ).toContain('allow-recreate is true: accepted')
    // prepare off: no blocker in this run, the next prepare drops them
    const later = dataImpact(diff, { allowRecreate: false, prepare: false })
    expect(impactProblems(later)).toEqual([])
    expect(
      impactLine(
        later.tasks.find((t) => t.id === 'dropper')!,
        later
      )
    ).toContain('the next prepare will')
  })
  it('a dataset redefined: its tables may be recreated and load again', () => {
    expect(kind('redefiner')).toMatchObject({ kind: 'redefined', datasets: ['customers'] })
  })
  it('settings only: definition only', () => {
    expect(kind('settings')).toMatchObject({ kind: 'definition', datasets: [] })
  })
  it('a new task, and one on the target only (kept by import)', () => {
    expect(kind('mart')?.kind).toBe('new')
    expect(kind('old')?.kind).toBe('kept')
    expect(impactLine(kind('old')!, off)).toContain(
      "import keeps it (Qlik's import deletes no task)"
    )
  })
})

describe('a dry run of a package that removes a dataset (simulator)', () => {
  let sim: Simulator
  let dir: string
  const deploy = (extra: Record<string, string> = {}) => deploySupport(sim, dir, extra)
  beforeAll(async () => {
    sim = await startDemo()
    dir = mkdtempSync(join(tmpdir(), 'qdp-impact-'))
    cpSync(new URL('../../examples/project/', import.meta.url).pathname, dir, { recursive: true })
    expect((await deploy()).report.error).toBeUndefined()
    rmSync(join(dir, 'qtcp_tasks/Storage support/datasets/ticket_comments.yaml'))
    // and a column more in the other dataset: redefined
    const tickets = join(dir, 'qtcp_tasks/Storage support/datasets/tickets.yaml')
    writeFileSync(
      tickets,
      readFileSync(tickets, 'utf8').replace(
        'columns:',
        'columns:\n      - datatype:\n          type: WSTRING\n        name: priority\n        nullable: true\n        id: priority'
      )
    )
  })
  afterAll(async () => {
    await sim.close()
  })

  it('says prepare would drop it, and that a real run would fail there without allow-recreate', async () => {
    const { report } = await deploy({ 'dry-run': 'true' })
    expect(report.plan?.impact?.tasks).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          id: 'storage_support',
          kind: 'drop',
          datasets: ['ticket_comments']
        })
      ])
    )
    // the task's other dataset, one column more: may be recreated
    expect(report.plan?.impact?.tasks.find((t) => t.id === 'storage_support')?.redefined).toEqual([
      'tickets'
    ])
    expect(report.plan?.canApply).toBe(false)
    expect(report.plan?.problems.join(' ')).toContain(
      "task 'Storage support' would drop dataset(s) ticket_comments"
    )
    const md = planMarkdown(report)
    expect(md).toContain('**Data impact** (inferred from the package and the target, not from Qlik')
    expect(md).toContain('🗑️ Storage support: prepare drops dataset(s) ticket_comments')
  })

  it('with allow-recreate the plan can be applied, and says the loss is accepted', async () => {
    const { report } = await deploy({ 'dry-run': 'true', 'allow-recreate': 'true' })
    expect(report.plan?.canApply).toBe(true)
    expect(planMarkdown(report)).toContain('allow-recreate is true: accepted')
  })

  it('as inferred: the simulator, like Qlik, refuses that prepare in a real run without allow-recreate', async () => {
    const real = await deploy()
    expect(real.report.failedStep).toBe('Prepare the target project')
  })
})
