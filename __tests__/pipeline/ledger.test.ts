import { Ledger } from '../../src/pipeline/ledger.js'
import { QlikApiError } from '../../src/qlik/errors.js'

const H = 'the target tenant prod.example'
const lost = () =>
  new QlikApiError('reset', {
    tenant: 'target',
    host: 'prod.example',
    method: 'POST',
    path: '/x',
    outcomeUnknown: true
  })
const refused = () =>
  new QlikApiError('409', {
    tenant: 'target',
    host: 'prod.example',
    method: 'POST',
    path: '/x',
    status: 409
  })
const facts = { failed: true, tenant: H, existed: true }

describe('Ledger', () => {
  it('claims nothing changed only when no write was done or may have been', async () => {
    const l = new Ledger()
    l.plan('prod.example', [{ kind: 'set-bindings', what: 'set' }])
    expect(l.account(facts)).toEqual([`Nothing was changed on ${H}: no write was sent to it.`])
    await expect(
      l.record('prod.example', 'set-bindings', 'set', () => Promise.reject(refused()))
    ).rejects.toThrow()
    expect(l.account(facts)[0]).toBe(
      `Nothing was changed on ${H}: the only write sent (set the bindings) was refused by the server.`
    )
    const u = new Ledger()
    await expect(
      u.record('prod.example', 'import', 'import', () => Promise.reject(lost()))
    ).rejects.toThrow()
    expect(u.touched).toBe(true)
    expect(u.account(facts).join('\n')).not.toContain('Nothing was changed')
    expect(u.account(facts).join('\n')).toContain('Outcome unknown: import (the answer was lost')
  })

  it('records action ids and final states, and the account lists done, not sent and how to restore', async () => {
    const l = new Ledger()
    l.plan('prod.example', [
      { kind: 'set-bindings', what: 'set' },
      { kind: 'import', what: 'import' },
      { kind: 'prepare', what: 'prepare' }
    ])
    await l.record('prod.example', 'set-bindings', 'set', async () => undefined, {
      changed: ['a', 'b'],
      added: ['c']
    })
    await l.record('prod.example', 'import', 'import', async () => 'act-1')
    l.result('import', 'COMPLETED')
    await l.record('prod.example', 'prepare', 'prepare', async () => 'act-2')
    l.result('prepare', 'FAILED')
    expect(l.find('import')).toMatchObject({
      state: 'done',
      actionId: 'act-1',
      result: 'COMPLETED'
    })
    const acc = l.account({ ...facts, rollback: 'deploy backup B' })
    expect(acc).toEqual([
      `Changed on ${H}: bindings set: 2 changed (a, b), 1 added (c); import started (action act-1) and ended COMPLETED; prepare started (action act-2) and ended FAILED.`,
      'To restore: deploy backup B.'
    ])
    // a successful run's account lists the changes only
    expect(l.account({ ...facts, failed: false })).toHaveLength(1)
  })

  it('says when there is no backup to go back to', async () => {
    const l = new Ledger()
    await l.record('prod.example', 'set-bindings', 'set', async () => undefined)
    await l.record('prod.example', 'import', 'import', async () => 'a')
    l.result('import', 'unknown')
    expect(l.account(facts).at(-1)).toBe(
      'To restore: wait for import action a to end (GET /api/v1/di-projects/actions/a?detailed=true) before running again; then no backup was made (backup: false): deploy the previous release to this target to roll back.'
    )
  })
})
