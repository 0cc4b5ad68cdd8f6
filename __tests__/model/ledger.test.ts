import { accountLines, accountWords, type Account } from '../../src/model/account.js'
import { actionState, importState, type LedgerEntry } from '../../src/model/ledger.js'

const imp = (patch: Partial<LedgerEntry>): LedgerEntry => ({
  kind: 'import',
  tenant: 'prod',
  what: 'import the package',
  state: 'done',
  ...patch
})

describe('did the import apply: one answer', () => {
  it.each([
    ['never planned', undefined, 'not-sent'],
    ['planned, not sent', imp({ state: 'not-sent' }), 'not-sent'],
    ['refused', imp({ state: 'refused' }), 'refused'],
    ['answer lost', imp({ state: 'unknown' }), 'running'],
    ['started, end not seen', imp({ result: 'unknown' }), 'running'],
    ['started, no end recorded', imp({}), 'running'],
    ['COMPLETED', imp({ result: 'COMPLETED' }), 'completed'],
    ['FAILED', imp({ result: 'FAILED' }), 'did-not-complete'],
    ['CANCELED', imp({ result: 'CANCELED' }), 'did-not-complete'],
    ['SKIPPED', imp({ result: 'SKIPPED' }), 'did-not-complete']
  ] as const)('%s: %s', (_what, entry, state) => {
    expect(actionState(entry)).toBe(state)
    expect(importState(entry ? [entry] : [])).toBe(state)
  })
})

describe('the account: data, worded once', () => {
  const account: Account = {
    tenant: 'the target tenant prod',
    changed: ['bindings set: 1 changed (db)', 'import started (action a1) and ended FAILED'],
    notChanged: ['prepare (not sent)'],
    unknown: [],
    ends: { asBefore: true },
    restore: ['deploy backup B', 'start task X again']
  }

  it('a line each, in the order a reader needs them', () => {
    expect(accountWords(account)).toEqual([
      'Changed on the target tenant prod: bindings set: 1 changed (db); import started (action a1) and ended FAILED.',
      'Not changed: prepare (not sent).',
      'The target project ends as it was before this run: its bindings were put back and no import was applied.',
      'To restore: deploy backup B; then start task X again.'
    ])
  })

  it("each line's parts for a view to list, without reading the words back", () => {
    const lines = accountLines(account)
    expect(lines[0]).toMatchObject({
      head: 'Changed on the target tenant prod',
      items: account.changed
    })
    expect(lines[3]).toMatchObject({ head: 'To restore', items: account.restore, numbered: true })
    // a write whose name holds the separators the words use stays one item
    const odd = accountLines({ ...account, changed: ["created project 'a; b' in space P"] })
    expect(odd[0]?.items).toEqual(["created project 'a; b' in space P"])
  })

  it('nothing changed: one line naming what was refused', () => {
    expect(accountWords({ ...account, nothingChanged: { refused: ['set the bindings'] } })).toEqual(
      [
        'Nothing was changed on the target tenant prod: the only write sent (set the bindings) was refused by the server.'
      ]
    )
  })
})
