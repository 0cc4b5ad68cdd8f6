import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { stringify } from 'yaml'
import type { RunReport } from '../../src/model/report.js'
import type { Simulator } from '../../src/simulator/server.js'
import { runPromote } from '../helpers/pipeline.js'
import { startDemo, threeProjects, withTenant } from '../helpers/sim.js'

/** A set as a graph: independent projects side by side, dependents after their upstream. */

const platform = { platformConnection: '{{id(connection, PROD_DATA.snowflake_prod)}}' }
const landing = {
  ...platform,
  'task.landing_hub.sourceConnection': '{{id(connection, PROD_SOURCES.orders_postgres)}}'
}

function file(projects: object[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'qdp-graph-'))
  const path = join(dir, 'projects.yaml')
  writeFileSync(path, stringify({ projects }))
  return path
}

/** Hub, Marts -> Hub, Reports -> Marts, and `n` independent projects Solo 1..n. */
function sim(n: number): Promise<Simulator> {
  const three = threeProjects() as { tenants: Array<{ name: string; projects?: object[] }> }
  const dev = three.tenants.find((t) => t.name === 'dev') as { projects: object[] }
  return startDemo({
    ...withTenant('dev', () => ({
      projects: [
        ...dev.projects,
        ...Array.from({ length: n }, (_, i) => ({
          name: `Solo ${i + 1}`,
          space: 'DEV_PIPELINES',
          type: 'DATA_PIPELINE',
          platformType: 'SNOWFLAKE',
          platformConnection: 'DEV_DATA.snowflake_dev',
          tasks: [{ id: `solo_${i + 1}`, name: `Solo ${i + 1}`, type: 'STORAGE' }]
        }))
      ]
    })),
    timing: { actionPendingMs: 20, actionTaskMs: 150 }
  })
}

const solos = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ name: `Solo ${i + 1}`, bindings: platform }))
const chain = [
  { name: 'Reports', dependsOn: ['Marts'], bindings: platform },
  { name: 'Marts', dependsOn: ['Hub'], bindings: platform },
  { name: 'Hub', bindings: landing }
]
const noSingle = { 'source-project': '', bindings: '' }

/** Each project's [start, end] from its report. */
function spans(r: RunReport): Map<string, [number, number]> {
  return new Map(
    (r.projectReports ?? []).map((x) => [
      x.name,
      [Date.parse(x.report.startedAt), Date.parse(x.report.finishedAt ?? '')]
    ])
  )
}
const overlap = (a: [number, number], b: [number, number]) => a[0] < b[1] && b[0] < a[1]
/** The most spans open at one moment. */
function atOnce(spans: Array<[number, number]>): number {
  const events = spans.flatMap(([a, b]) => [
    [a, 1],
    [b, -1]
  ])
  events.sort((x, y) => x[0]! - y[0]! || x[1]! - y[1]!)
  let open = 0
  let most = 0
  for (const [, d] of events) most = Math.max(most, (open += d!))
  return most
}

let s: Simulator
afterEach(async () => {
  await s.close()
})

describe('a projects file run as a graph', () => {
  it('runs independent projects side by side and a dependent only after its upstream', async () => {
    s = await sim(4)
    const { report, log } = await runPromote(s, {
      ...noSingle,
      'projects-file': file([...chain, ...solos(4)]),
      'max-parallel': '4'
    })
    expect(report.error).toBeUndefined()
    expect(report.projects?.every((p) => p.state === 'done')).toBe(true)
    const t = spans(report)
    // at most 4 at once, and some of them at once
    const most = atOnce([...t.values()])
    expect(most).toBeGreaterThan(1)
    expect(most).toBeLessThanOrEqual(4)
    // the chain in its order
    expect(t.get('Hub')![1]).toBeLessThanOrEqual(t.get('Marts')![0])
    expect(t.get('Marts')![1]).toBeLessThanOrEqual(t.get('Reports')![0])
    // each line says whose it is; side by side, steps are lines, not interleaved groups
    expect(log.text()).toMatch(/info: \[Solo 3\] > Export the source project/)
    expect(log.lines.filter((l) => l.startsWith('group:'))).toEqual([])
    const prod = s.state('prod').projects
    expect(prod.find((p) => p.name === 'Marts')!.bindings['project.hub.projectId']).toBe(
      prod.find((p) => p.name === 'Hub')!.id
    )
  })

  it('max-parallel 1 runs them one after another, each folded as a group', async () => {
    s = await sim(2)
    const { report, log } = await runPromote(s, {
      ...noSingle,
      'projects-file': file(solos(2)),
      'max-parallel': '1'
    })
    expect(report.error).toBeUndefined()
    const t = spans(report)
    expect(overlap(t.get('Solo 1')!, t.get('Solo 2')!)).toBe(false)
    expect(log.lines).toContain('group: [Solo 2] Export the source project')
  })

  it('after a failure starts nothing new, lets running projects finish and says why the rest did not start', async () => {
    s = await sim(3)
    // the first import on prod fails; two projects run at once
    s.injectFault({
      tenant: 'prod',
      path: '/actions/import-async',
      times: 1,
      actionOutcome: { state: 'FAILED', message: 'Table ORDERS is locked' }
    })
    const { report } = await runPromote(s, {
      ...noSingle,
      'projects-file': file([
        { name: 'Hub', bindings: landing },
        { name: 'Solo 1', bindings: platform },
        { name: 'Marts', dependsOn: ['Hub'], bindings: platform },
        { name: 'Solo 2', bindings: platform },
        { name: 'Solo 3', bindings: platform }
      ]),
      'max-parallel': '2'
    })
    expect(report.outcome).toBe('failed')
    const states = Object.fromEntries(report.projects!.map((p) => [p.name, [p.state, p.reason]]))
    // Hub and Solo 1 started together: one failed, the other finished
    expect([states['Hub']![0], states['Solo 1']![0]].sort()).toEqual(['done', 'failed'])
    const failed = states['Hub']![0] === 'failed' ? 'Hub' : 'Solo 1'
    expect(states['Solo 2']).toEqual(['not-started', `the set stopped after '${failed}' failed`])
    expect(states['Solo 3']).toEqual(['not-started', `the set stopped after '${failed}' failed`])
    if (failed === 'Hub') expect(states['Marts']).toEqual(['not-started', "upstream 'Hub' failed"])
    expect(report.error).toContain('no project started after it')
    expect(
      s
        .state('prod')
        .projects.map((p) => p.name)
        .sort()
    ).toEqual(['Hub', 'Solo 1'])
  })

  it('only: runs the named entries, refuses an unknown name before any request, with-upstream adds what they need', async () => {
    s = await sim(1)
    const path = file([...chain, ...solos(1)])
    const bad = await runPromote(s, { ...noSingle, 'projects-file': path, only: 'Mart' })
    expect(bad.report.badInput).toBe(true)
    expect(bad.report.error).toContain(
      "Input 'only': 'Mart' (did you mean 'Marts'?) is not in the projects file; its entries are 'Hub', 'Marts', 'Reports', 'Solo 1'."
    )
    expect(s.requests()).toEqual([])

    // Marts alone on an empty target: its upstream Hub is not there, said before any change
    const alone = await runPromote(s, { ...noSingle, 'projects-file': path, only: 'Marts' })
    expect(alone.report.outcome).toBe('failed')
    expect(alone.report.error).toContain(
      "'Hub', which this project depends on, is not in this run (input 'only') and has no project 'Hub' in space PROD_PIPELINES"
    )
    expect(s.state('prod').projects).toEqual([])

    // with-upstream: Hub first, then Marts; Reports and Solo 1 are left alone
    const up = await runPromote(s, {
      ...noSingle,
      'projects-file': path,
      only: 'Marts',
      'with-upstream': 'true'
    })
    expect(up.report.error).toBeUndefined()
    expect(up.report.projects?.map((p) => p.name)).toEqual(['Hub', 'Marts'])
    expect(s.state('prod').projects.map((p) => p.name)).toEqual(['Hub', 'Marts'])

    // now Reports alone: Marts is looked up in the target by name and bound
    const reports = await runPromote(s, { ...noSingle, 'projects-file': path, only: 'Reports' })
    expect(reports.report.error).toBeUndefined()
    const prod = s.state('prod').projects
    expect(prod.find((p) => p.name === 'Reports')!.bindings['project.marts.projectId']).toBe(
      prod.find((p) => p.name === 'Marts')!.id
    )
  })
})
