import { describe, expect, it } from '@jest/globals'
import {
  DEPLOY_STEPS,
  plannedSteps,
  plannedWrites,
  runDeploySteps,
  type DeployFacts,
  type DeployState,
  type DeployStep
} from '../../src/pipeline/deploy-steps.js'
import type { StepContext } from '../../src/pipeline/context.js'
import { parseOptions } from '../../src/options.js'

const options = (extra: Record<string, string> = {}) =>
  parseOptions({
    mode: 'deploy',
    'target-tenant': 'http://127.0.0.1:1',
    'target-api-key': 'k',
    'target-space': 'PROD',
    'zip-path': 'p.zip',
    ...extra
  })

const facts = (o = options(), existing = true, running = 1): DeployFacts => ({
  o,
  t: {
    api: {} as DeployFacts['t']['api'],
    space: { id: 's1', name: 'PROD', type: 'shared' } as DeployFacts['t']['space'],
    name: 'Sales',
    ...(existing ? { existing: { id: 'p1', name: 'Sales' } as DeployFacts['t']['existing'] } : {})
  },
  bindings: {
    values: { a: '1', b: '2' },
    diff: { added: [], changed: [], unchanged: [], undeclaredKept: [] }
  } as unknown as DeployFacts['bindings'],
  runtime: {
    running: Array.from({ length: running }, (_, i) => ({
      id: `t${i}`,
      name: `task ${i}`,
      type: 'LANDING',
      continuous: false
    })),
    toRun: [],
    toTrigger: []
  }
})

describe('the deploy step table', () => {
  it('lists the writes in the order the steps send them', () => {
    const f = facts(options({ quiesce: 'true' }), false)
    expect(plannedWrites(f).map((w) => w.kind)).toEqual([
      'create-project',
      'set-bindings',
      'stop-task',
      'import',
      'prepare',
      'validate',
      'resume-task'
    ])
    expect(plannedWrites(facts(options({ prepare: 'false', validate: 'false' }), true, 0))).toEqual(
      [
        { kind: 'set-bindings', what: 'set the bindings' },
        { kind: 'import', what: 'import the package' }
      ]
    )
  })

  it("words the dry run's plan from the same rows", () => {
    expect(plannedSteps(facts(options({ 'allow-recreate': 'true' }), true, 0))).toEqual([
      'Reuse project Sales (p1)',
      'Back up the target project (export ALL with bindings)',
      'Set 2 binding variable(s)',
      'Check the connections',
      'Import the package (import-async)',
      'Prepare (allowRecreate true)',
      'Validate'
    ])
    expect(plannedSteps(facts(options({ backup: 'false' }), false, 0))[0]).toBe(
      'Create project Sales in PROD'
    )
  })

  it('every step that writes is planned where it applies', () => {
    for (const st of DEPLOY_STEPS) expect(typeof st.plan(facts())).toBe('string')
  })

  describe('runDeploySteps', () => {
    const ctx = {
      log: { error: (m: string) => errors.push(m) },
      ledger: {}
    } as unknown as StepContext
    let errors: string[] = []
    const run = async (steps: DeployStep[]) => {
      errors = []
      const ran: string[] = []
      const skipped: string[] = []
      let thrown: unknown
      try {
        await runDeploySteps(
          ctx,
          facts() as DeployState,
          async (name, fn) => {
            ran.push(name)
            await fn({ name, state: 'succeeded', durationMs: 0 })
          },
          (name, why) => skipped.push(`${name}: ${why}`),
          steps
        )
      } catch (e) {
        thrown = e
      }
      return { ran, skipped, thrown }
    }
    const row = (name: string, extra: Partial<DeployStep> = {}): DeployStep => ({
      name,
      when: () => true,
      plan: () => name,
      run: async () => undefined,
      ...extra
    })
    const boom = (m: string) => async (): Promise<void> => {
      throw new Error(m)
    }

    it('a guarded failure skips what follows except the always steps, then ends the run', async () => {
      const r = await run([
        row('import', { guarded: true, run: boom('import failed') }),
        row('prepare', { guarded: true }),
        row('resume', { always: true }),
        row('run tasks')
      ])
      expect(r.ran).toEqual(['import', 'resume'])
      expect((r.thrown as Error).message).toBe('import failed')
    })

    it('an always step that fails after a failure is logged; the first failure ends the run', async () => {
      const r = await run([
        row('import', { guarded: true, run: boom('import failed') }),
        row('resume', { always: true, run: boom('resume failed') })
      ])
      expect(errors).toEqual(['resume failed'])
      expect((r.thrown as Error).message).toBe('import failed')
    })

    it('an unguarded failure ends the run at once; skips are recorded with their reason', async () => {
      const r = await run([
        row('backup', { when: () => ({ skip: "input 'backup' is false" }) }),
        row('create', { when: () => false }),
        row('set', { run: boom('refused') }),
        row('resume', { always: true })
      ])
      expect(r.skipped).toEqual(["backup: input 'backup' is false"])
      expect(r.ran).toEqual(['set'])
      expect((r.thrown as Error).message).toBe('refused')
    })

    it('a step that is not needed when the run reaches it is left out', async () => {
      const r = await run([row('resume', { needed: () => false }), row('next')])
      expect(r.ran).toEqual(['next'])
    })
  })
})
