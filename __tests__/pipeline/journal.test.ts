import { appendFileSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Journal, JOURNAL_MAX_BYTES, readJournal } from '../../src/pipeline/journal.js'
import { Ledger } from '../../src/pipeline/ledger.js'
import { renderInterrupted } from '../../src/report/interrupted.js'

const dir = (): string => mkdtempSync(join(tmpdir(), 'qdp-journal-'))

/** A ledger that writes its journal, as the pipeline wires it. */
function journaled(path: string, project?: string) {
  const journal = Journal.create(path, { mode: 'promote', dryRun: false, runId: '77' })
  const w = journal.writer(project)
  const ledger = new Ledger()
  ledger.onChange = (event, entry) => w.write(event, entry)
  return { journal, w, ledger }
}

const HOST = 'acme-prod.eu.qlikcloud.com'

describe('the journal', () => {
  it('holds each write as it is planned, sent and answered; a write sent and never answered is in flight', async () => {
    const path = join(dir(), 'j.jsonl')
    const { w, ledger } = journaled(path)
    w.facts({ tenant: `the target tenant ${HOST}`, project: "'Sales' (p1)", existed: true })
    ledger.plan(HOST, [
      { kind: 'set-bindings', what: 'set the bindings' },
      {
        kind: 'stop-task',
        what: "stop task 'Replicate orders'",
        taskId: 'replicate_orders',
        subject: 'Replicate orders'
      },
      { kind: 'import', what: 'import the package' },
      { kind: 'prepare', what: 'prepare' }
    ])
    await ledger.record(HOST, 'set-bindings', 'set the bindings', async () => undefined, {
      changed: ['db']
    })
    await ledger.record(HOST, 'stop-task', "stop task 'Replicate orders'", async () => undefined, {
      taskId: 'replicate_orders',
      projectId: 'p1',
      subject: 'Replicate orders'
    })
    w.facts({ step: 'Import the package' })
    // the import is sent; the process is killed before its answer
    void ledger.record(HOST, 'import', 'import the package', () => new Promise(() => undefined))
    const j = readJournal(path)
    expect(j.start).toMatchObject({ mode: 'promote', dryRun: false, runId: '77' })
    expect(j.account).toBeUndefined()
    expect(j.projects).toHaveLength(1)
    const p = j.projects[0]!
    expect(p.entries.map((e) => `${e.kind}:${e.state}`)).toEqual([
      'set-bindings:done',
      'stop-task:done',
      'import:not-sent',
      'prepare:not-sent'
    ])
    expect(p.inFlight.map((e) => e.kind)).toEqual(['import'])
    expect(p.facts).toMatchObject({ existed: true, step: 'Import the package' })

    const { markdown, annotation } = renderInterrupted(j)
    expect(markdown).toContain('## ⚠️ Qlik DI project: the run did not finish')
    expect(markdown).toContain('It stopped during **Import the package**')
    expect(markdown).toMatch(/\| import the package \| ⏳ in flight: sent, answer never seen \|/)
    expect(markdown).toContain(
      'Outcome unknown: import (the answer was lost: it may or may not have happened)'
    )
    expect(annotation).toContain('In flight when it stopped: import the package')
    expect(annotation).toContain(
      "start again the task(s) this run stopped, which are not running now, once the import has ended: 'Replicate orders' (POST /api/v1/di-projects/p1/di-tasks/replicate_orders/runtime/actions/start), or run this action again with run-tasks: replicate_orders"
    )
  })

  it('an action started and its end not seen: the account says it may still be running and how to follow it', async () => {
    const path = join(dir(), 'j.jsonl')
    const { ledger } = journaled(path)
    ledger.plan(HOST, [{ kind: 'import', what: 'import the package' }])
    await ledger.record(HOST, 'import', 'import the package', async () => 'act-1')
    const { annotation } = renderInterrupted(readJournal(path))
    expect(annotation).toContain('import started (action act-1), end not seen')
    expect(annotation).toContain(
      'wait for import action act-1 to end (GET /api/v1/di-projects/actions/act-1?detailed=true)'
    )
  })

  it('the main step that wrote its account leaves nothing for the post step', () => {
    const path = join(dir(), 'j.jsonl')
    const { journal, w } = journaled(path)
    w.end('succeeded')
    journal.accountWritten('succeeded')
    expect(readJournal(path).account).toBe('succeeded')
  })

  it('a set: each project on its own, ended projects with their outcome', async () => {
    const path = join(dir(), 'j.jsonl')
    const journal = Journal.create(path, { mode: 'promote', dryRun: false })
    const a = journal.writer('Landing')
    const b = journal.writer('Marts')
    a.end('succeeded')
    const ledger = new Ledger()
    ledger.onChange = (ev, e) => b.write(ev, e)
    b.facts({
      tenant: `the target tenant ${HOST}`,
      existed: false,
      step: 'Create the target project'
    })
    void ledger.record(
      HOST,
      'create-project',
      "create project 'Marts'",
      () => new Promise(() => undefined)
    )
    const j = readJournal(path)
    expect(j.projects.map((p) => p.name)).toEqual(['Landing', 'Marts'])
    const { markdown, annotation } = renderInterrupted(j)
    expect(markdown).toContain('## ⚠️ Qlik DI projects: the run did not finish')
    expect(markdown).toContain('### Landing')
    expect(markdown).toContain('This pipeline ended: succeeded.')
    expect(annotation).toContain("Project Marts: stopped during 'Create the target project'.")
  })

  it('a line cut short by the kill is counted, the rest is read', () => {
    const path = join(dir(), 'j.jsonl')
    journaled(path)
    appendFileSync(path, '{"at":"2026-12-02T00:00:00Z","kind":"wri')
    const j = readJournal(path)
    expect(j.unreadable).toBe(1)
    expect(renderInterrupted(j).markdown).toContain('1 journal line(s) could not be read')
  })

  it('names from a tenant are data in the summary: no markup, no mention, no line of their own', async () => {
    const path = join(dir(), 'j.jsonl')
    const { ledger } = journaled(path)
    const name = '<img src=x onerror=alert(1)> @team\n::error::forged'
    const evil = `stop task '${name}'`
    await ledger.record(HOST, 'stop-task', evil, async () => undefined, {
      taskId: 't1',
      subject: name
    })
    const { markdown, annotation } = renderInterrupted(readJournal(path))
    expect(markdown).not.toContain('<img')
    expect(markdown).not.toContain('@team')
    expect(markdown).not.toMatch(/^::error::/m)
    expect(annotation).not.toMatch(/^::error::/m)
  })

  it('secrets are redacted before a line is written; long server words are cut', async () => {
    const path = join(dir(), 'j.jsonl')
    const { journal, ledger } = journaled(path)
    journal.redact = (v) => JSON.parse(JSON.stringify(v).replaceAll('s3cr3t-value', '***'))
    await expect(
      ledger.record(HOST, 'set-bindings', 'set the bindings', async () => {
        throw new Error(`refused: s3cr3t-value ${'x'.repeat(2000)}`)
      })
    ).rejects.toThrow()
    const text = readFileSync(path, 'utf8')
    expect(text).not.toContain('s3cr3t-value')
    expect(text.split('\n').every((l) => l.length < 1200)).toBe(true)
    expect(statSync(path).mode & 0o777).toBe(0o600)
  })

  it('a file too large to be a journal is refused, not read', () => {
    const path = join(dir(), 'big.jsonl')
    writeFileSync(path, Buffer.alloc(JOURNAL_MAX_BYTES + 1, 0x20))
    expect(() => readJournal(path)).toThrow(/more than a journal of this action holds/)
  })

  it('a journal that cannot be written warns once and the run goes on', async () => {
    const warnings: string[] = []
    const journal = Journal.create(
      join(dir(), 'missing', 'j.jsonl'),
      { mode: 'promote', dryRun: false },
      {
        warn: (m) => warnings.push(m)
      }
    )
    const w = journal.writer()
    w.facts({ step: 'x' })
    w.end('failed')
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain(
      'if this job is killed, its post step cannot say what the run had changed'
    )
  })
})
