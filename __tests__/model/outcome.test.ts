import { cliWordOf, OUTCOMES, outcomeOf, rowOf, type OutcomeKind } from '../../src/model/outcome.js'
import { newReport, type RunReport } from '../../src/model/report.js'

/** A report as a run of `mode` leaves it. */
function report(mode: string, patch: Partial<RunReport> = {}, dryRun = false): RunReport {
  return { ...newReport(mode, dryRun, Date.parse('2026-12-02T10:00:00Z')), ...patch }
}

const failed = (patch: Partial<RunReport> = {}): Partial<RunReport> => ({
  outcome: 'failed',
  error: 'x',
  failedStep: 'Import the package',
  ...patch
})

const write = (state: 'done' | 'not-sent') => ({
  entries: [{ kind: 'import' as const, tenant: 'prod', state, what: 'import' }],
  account: []
})

const plan = (canApply: boolean): NonNullable<RunReport['plan']> => ({
  project: 'reuse',
  bindings: { added: [], changed: [], unchanged: [], undeclaredKept: [] },
  connections: [],
  guards: [],
  steps: [],
  problems: canApply ? [] : ['no space'],
  canApply
})

/** One report per ending, with what the CLI says and returns. */
const CASES: Array<[OutcomeKind, RunReport, string, number]> = [
  ['done', report('promote'), 'PROMOTED', 0],
  ['done', report('export'), 'EXPORTED', 0],
  ['done', report('deploy'), 'DEPLOYED', 0],
  ['planned', report('promote', {}, true), 'DRY RUN OK', 0],
  ['unchanged', report('deploy', { unchanged: true }), 'UNCHANGED', 0],
  ['valid', report('validate'), 'VALID', 0],
  ['invalid', report('validate', failed()), 'INVALID', 1],
  ['bad-input', report('validate', failed({ badInput: true })), 'FAILED', 2],
  ['bad-input', report('promote', failed({ badInput: true })), 'FAILED', 2],
  ['failed', report('promote', failed()), 'FAILED', 1],
  ['blocked', report('promote', failed({ plan: plan(false) }), true), 'FAILED', 1],
  [
    'refused',
    report(
      'deploy',
      failed({
        planCheck: { path: 'p', digest: 'd', madeAt: 'm', differences: ['task added: X'] }
      })
    ),
    'REFUSED (not the reviewed plan)',
    1
  ],
  [
    'cancelled',
    report('promote', {
      outcome: 'cancelled',
      cancelled: { signal: 'SIGINT', during: 'Import the package' }
    }),
    'CANCELLED',
    130
  ],
  [
    'drifted',
    report('drift', { drift: { drifted: true, targetExists: true, differences: ['a'] } }),
    'DRIFTED',
    1
  ],
  [
    'in-sync',
    report('drift', { drift: { drifted: false, targetExists: true, differences: [] } }),
    'NO DRIFT',
    0
  ]
]

describe('outcomeOf: how a run ended, computed once', () => {
  it.each(CASES)('%s: the CLI says %s… and exits as the table says', (kind, r, word, exit) => {
    const o = outcomeOf(r)
    expect(o.kind).toBe(kind)
    expect(cliWordOf(o)).toBe(word)
    expect(rowOf(o).exit).toBe(exit)
    // the step fails exactly when the CLI exits non-zero
    expect(rowOf(o).fails).toBe(exit !== 0)
  })

  it('every row is reached by some report', () => {
    const reached = new Set(CASES.map(([kind]) => kind))
    expect([...reached].sort()).toEqual(Object.keys(OUTCOMES).sort())
  })

  it('a refused plan after a write is a failure that changed the target, not a refusal', () => {
    const r = report(
      'deploy',
      failed({
        planCheck: { path: 'p', digest: 'd', madeAt: 'm', differences: ['x'] },
        ledger: write('done')
      })
    )
    expect(outcomeOf(r)).toMatchObject({ kind: 'failed', target: 'changed' })
  })

  it('says what a failure left on the target', () => {
    expect(outcomeOf(report('deploy', failed({ ledger: write('not-sent') })))).toMatchObject({
      kind: 'failed',
      run: 'run',
      target: 'untouched'
    })
    const putBack = write('done')
    const asBefore = {
      ...putBack,
      parts: {
        tenant: 'prod',
        changed: ['import started and ended FAILED'],
        notChanged: [],
        unknown: [],
        ends: { asBefore: true }
      }
    }
    expect(outcomeOf(report('deploy', failed({ ledger: asBefore })))).toMatchObject({
      target: 'as-before'
    })
    expect(outcomeOf(report('deploy', failed({ ledger: putBack })))).toMatchObject({
      target: 'changed'
    })
    expect(outcomeOf(report('drift', failed()))).toMatchObject({ run: 'drift check' })
    expect(outcomeOf(report('promote', failed(), true))).toMatchObject({ run: 'dry run' })
  })

  it("a set ends as its first failed project, else as its projects' outcomes together", () => {
    const hub = report('promote')
    const marts = report(
      'promote',
      failed({ planCheck: { path: 'p', digest: 'd', madeAt: 'm', differences: ['x'] } })
    )
    const set = report('promote', {
      outcome: 'failed',
      projects: [
        { name: 'Hub', state: 'done' },
        { name: 'Marts', state: 'failed' }
      ],
      projectReports: [
        { name: 'Hub', report: hub },
        { name: 'Marts', report: marts }
      ]
    })
    expect(outcomeOf(set).kind).toBe('refused')
    const unchanged = report('deploy', {
      projects: [
        { name: 'Hub', state: 'unchanged' },
        { name: 'Marts', state: 'unchanged' }
      ],
      projectReports: []
    })
    expect(outcomeOf(unchanged).kind).toBe('unchanged')
    expect(
      outcomeOf({
        ...unchanged,
        projects: [
          { name: 'Hub', state: 'done' },
          { name: 'Marts', state: 'unchanged' }
        ]
      })
    ).toEqual({ kind: 'done', mode: 'deploy' })
  })
})
