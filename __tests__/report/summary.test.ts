import { newReport, type RunReport } from '../../src/model/report.js'
import { headline, renderSummary } from '../../src/report/summary.js'

/** A report as a run of `mode` leaves it, on a fixed clock. */
function report(mode: string, patch: Partial<RunReport> = {}, dryRun = false): RunReport {
  const r = newReport(mode, dryRun, Date.parse('2026-12-02T10:00:00Z'))
  r.finishedAt = '2026-12-02T10:00:42.500Z'
  r.source = { tenant: 'acme-dev.eu.qlikcloud.com', projectId: 's1', projectName: 'Sales' }
  r.target = {
    tenant: 'acme-prod.eu.qlikcloud.com',
    projectId: 't1',
    projectName: 'Sales',
    spaceName: 'PROD',
    created: false
  }
  return { ...r, ...patch }
}

const IMPORT_FAILED =
  'Import ended FAILED on the target tenant acme-prod.eu.qlikcloud.com (action a1): Table ORDERS is locked.'

const count = (text: string, part: string): number => text.split(part).length - 1

/** A dry run's plan with nothing in it but its blockers. */
const plan = (problems: string[] = []): NonNullable<RunReport['plan']> => ({
  project: 'reuse',
  bindings: { added: [], changed: [], unchanged: [], undeclaredKept: [] },
  connections: [],
  guards: [],
  steps: [],
  problems,
  canApply: problems.length === 0
})

describe('the summary headline: one per outcome and mode', () => {
  const cases: Array<[string, RunReport, string]> = [
    ['promote', report('promote'), '## ✅ Promoted · Sales → acme-prod.eu.qlikcloud.com'],
    ['deploy', report('deploy'), '## ✅ Deployed · Sales → acme-prod.eu.qlikcloud.com'],
    ['export', report('export', { target: undefined }), '## ✅ Exported · Sales'],
    [
      'a dry run that can be applied',
      report('promote', {}, true),
      '## ✅ Plan: the promotion can be applied · Sales → acme-prod.eu.qlikcloud.com'
    ],
    [
      'a dry run with a blocker',
      report(
        'promote',
        {
          outcome: 'failed',
          error: 'Dry run: the promotion would fail.',
          plan: plan(['no space PRD_DATA'])
        },
        true
      ),
      '## ❌ Plan: would fail before any change · Sales → acme-prod.eu.qlikcloud.com'
    ],
    [
      'a dry run that could not finish (no plan: the source did not answer)',
      report(
        'promote',
        { outcome: 'failed', failedStep: 'Find the source project', error: 'timed out' },
        true
      ),
      '## ❌ Dry run failed at Find the source project: nothing changed · Sales → acme-prod.eu.qlikcloud.com'
    ],
    [
      'no drift',
      report('drift', { drift: { drifted: false, targetExists: true, differences: [] } }),
      '## ✅ No drift: the target equals the package · Sales → acme-prod.eu.qlikcloud.com'
    ],
    [
      'drift',
      report('drift', {
        drift: { drifted: true, targetExists: true, differences: ['a differs', 'b differs'] }
      }),
      '## ❌ Drift: 2 difference(s) · Sales → acme-prod.eu.qlikcloud.com'
    ],
    [
      'a failure before any write',
      report('promote', { outcome: 'failed', failedStep: 'Find the target space', error: 'x' }),
      '## ❌ Failed at Find the target space: nothing changed · Sales → acme-prod.eu.qlikcloud.com'
    ],
    [
      'cancelled',
      report('promote', {
        outcome: 'cancelled',
        cancelled: { signal: 'SIGINT', during: 'Import the package' },
        error: 'x'
      }),
      '## ⏹️ Cancelled (SIGINT) during Import the package · Sales → acme-prod.eu.qlikcloud.com'
    ]
  ]
  it.each(cases)('%s', (_what, r, title) => {
    const md = renderSummary(r)
    expect(md.split('\n')[0]).toBe(title)
    expect(md).toContain('Took 42.5 s')
    // a green headline never sits above a red block, nor a red one above "succeeded"
    if (title.includes('✅')) expect(md).not.toContain('❌')
  })

  it('a failed import: the error once, its account once, the write it failed in red', () => {
    const r = report('promote', {
      outcome: 'failed',
      failedStep: 'Import the package',
      error: `${IMPORT_FAILED}\nChanged on the target tenant acme-prod.eu.qlikcloud.com: bindings set.\nTo restore: deploy the backup.`,
      steps: [
        { name: 'Set the target bindings', state: 'succeeded', durationMs: 20 },
        { name: 'Import the package', state: 'failed', durationMs: 900, detail: IMPORT_FAILED }
      ],
      ledger: {
        entries: [
          { kind: 'set-bindings', tenant: 'h', what: 'set the bindings', state: 'done' },
          {
            kind: 'import',
            tenant: 'h',
            what: 'import the package',
            state: 'done',
            actionId: 'a1',
            result: 'FAILED'
          },
          { kind: 'prepare', tenant: 'h', what: 'prepare', state: 'not-sent' }
        ],
        account: [
          'Changed on the target tenant acme-prod.eu.qlikcloud.com: bindings set.',
          'To restore: deploy the backup.'
        ]
      }
    })
    expect(headline(r)).toEqual({
      icon: '❌',
      title: 'Failed at Import the package: the target changed, see below'
    })
    const md = renderSummary(r)
    expect(count(md, 'Table ORDERS is locked')).toBe(1)
    expect(count(md, 'To restore: deploy the backup.')).toBe(1)
    expect(md).toMatch(/\| import the package \| ❌ done, ended FAILED \|/)
    expect(md).toMatch(/\| prepare \| ⏭️ not sent \|/)
    expect(md).not.toContain('not-sent')
    expect(md).toContain('| Import the package | ❌ failed | 900 ms | the error above |')
  })

  it('a drift check shows no release plan block and says the bindings were compared, not sent', () => {
    const r = report('drift', {
      drift: { drifted: true, targetExists: true, differences: ['a differs'] },
      bindings: {
        source: 'inline',
        applied: ['x'],
        changed: [],
        added: [],
        unknown: [],
        missing: []
      },
      plan: plan()
    })
    const md = renderSummary(r)
    expect(md).not.toContain('Release plan')
    expect(md).toContain('1 variable(s) compared with the target')
  })

  it('a failure before anything is known: no empty table of tenants, no empty fold of steps', () => {
    const md = renderSummary(
      report('promote', {
        outcome: 'failed',
        failedStep: 'Read the projects file',
        error: "Input 'projects-file': not valid",
        source: undefined,
        target: undefined
      })
    )
    expect(md).not.toContain('| Tenant |')
    expect(md).not.toContain('Steps (0)')
    expect(count(md, "Input 'projects-file': not valid")).toBe(1)
  })

  it('names the spaces as people know them, the id only when the name is not known', () => {
    const named = renderSummary(
      report('promote', {
        source: {
          tenant: 'd',
          projectId: 's1',
          projectName: 'Sales',
          spaceId: 'sp1',
          spaceName: 'DEV'
        }
      })
    )
    expect(named).toContain('| Space | DEV | PROD |')
    const bare = renderSummary(
      report('promote', {
        source: { tenant: 'd', projectId: 's1', projectName: 'Sales', spaceId: 'sp1' }
      })
    )
    expect(bare).toContain('| Space | `sp1` | PROD |')
  })

  it("the account's lists come from its parts: one write per line, the way back numbered", () => {
    const r = report('promote', {
      outcome: 'failed',
      failedStep: 'Import the package',
      error: 'x',
      ledger: {
        entries: [{ kind: 'set-bindings', tenant: 'h', what: 'set the bindings', state: 'done' }],
        account: [],
        parts: {
          tenant: 'the target tenant h',
          changed: ["created project 'a; b' in space P (p1)", 'bindings set: no value changed'],
          notChanged: [],
          unknown: [],
          ends: { asBefore: false },
          restore: ['deploy backup B', 'start task X again']
        }
      }
    })
    const md = renderSummary(r)
    expect(md).toContain(
      "- Changed on the target tenant h:\n  - created project 'a; b' in space P (p1)\n  - bindings set: no value changed"
    )
    expect(md).toContain('- To restore:\n  1. deploy backup B\n  2. start task X again')
  })

  it('a set: its headline counts the projects, names the one it failed at and the target', () => {
    const a = report('promote')
    const b = report('promote', { outcome: 'failed', failedStep: 'Import the package', error: 'x' })
    const set = report('promote', {
      outcome: 'failed',
      error: 'Marts: Import ended FAILED.',
      source: undefined,
      target: undefined,
      projects: [
        { name: 'Hub', state: 'done', targetProjectId: 't1' },
        { name: 'Marts', state: 'failed', error: 'Import ended FAILED.' },
        { name: 'Reports', state: 'not-started', reason: 'Marts failed' }
      ],
      projectReports: [
        { name: 'Hub', report: a },
        { name: 'Marts', report: b }
      ]
    })
    const md = renderSummary(set)
    expect(md.split('\n')[0]).toBe(
      '## ❌ Failed at Marts: 1 of 3 project(s) done, see below → acme-prod.eu.qlikcloud.com'
    )
    expect(md).toContain('Took 42.5 s')
    expect(md).toContain('| 3 | Reports | ⏸️ not started |')
    const ok = renderSummary({
      ...set,
      outcome: 'succeeded',
      error: undefined,
      projects: [
        { name: 'Hub', state: 'done' },
        { name: 'Marts', state: 'unchanged' }
      ]
    })
    expect(ok.split('\n')[0]).toBe(
      '## ✅ Promoted 1 project(s), 1 unchanged → acme-prod.eu.qlikcloud.com'
    )
  })

  it('links the run only with a plain URL from the runner', () => {
    expect(
      renderSummary(report('promote', { runUrl: 'https://github.com/a/b/actions/runs/1' }))
    ).toContain('[this run](https://github.com/a/b/actions/runs/1)')
    expect(renderSummary(report('promote', { runUrl: 'javascript:alert(1)' }))).not.toContain(
      'javascript:'
    )
  })
})

describe('links to artifacts', () => {
  it('are made from the runner plain values only', async () => {
    const { artifactUrl } = await import('../../src/runner.js')
    const env = {
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_REPOSITORY: 'acme/data',
      GITHUB_RUN_ID: '42'
    }
    expect(artifactUrl('7', env)).toBe('https://github.com/acme/data/actions/runs/42/artifacts/7')
    expect(artifactUrl(7, env, 41)).toBe('https://github.com/acme/data/actions/runs/41/artifacts/7')
    expect(artifactUrl(undefined, env)).toBeUndefined()
    expect(artifactUrl('7', { ...env, GITHUB_SERVER_URL: 'javascript:alert(1)//' })).toBeUndefined()
    expect(artifactUrl('7', { ...env, GITHUB_REPOSITORY: 'a/b)[x](y' })).toBeUndefined()
    expect(artifactUrl('7', { ...env, GITHUB_RUN_ID: '' })).toBeUndefined()
  })
})
