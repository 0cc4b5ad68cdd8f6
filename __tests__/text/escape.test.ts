/**
 * The one boundary for text that leaves the process (src/report/escape.ts): each channel's
 * function on hostile strings, then every string of real reports replaced by a hostile payload
 * and rendered, so that a renderer that prints data without escaping it fails here.
 */
import { logLines, md, mdCode, oneLine, quote, terminalLines } from '../../src/text/escape.js'
import { renderSummary } from '../../src/report/summary.js'
import { planMarkdown } from '../../src/report/plan.js'
import type { RunReport } from '../../src/model/report.js'
import { PROD_BINDINGS_YAML, runPromote } from '../helpers/pipeline.js'
import { startDemo } from '../helpers/sim.js'

const PAYLOAD =
  'x\n::warning title=X::pwned\r\n::add-mask::x ##[set-output name=a;]b \u001b[31mred\u001b[0m ' +
  '<img src=x onerror=alert(1)></details></summary> | `code` @acme/team [link](javascript:alert(1)) ' +
  '**bold** \u202eevil\u2028next\u0085 &amp; \\'

describe('the log channel', () => {
  it('no line of a message can start a workflow command, in any spelling', () => {
    const out = logLines(`Source project: ${PAYLOAD}`)
    for (const line of out.split('\n')) {
      expect(line.trim()).not.toMatch(/^::/)
      expect(line).not.toContain('##[')
    }
    expect(logLines('  ::error::x')).not.toMatch(/^\s*::/)
    expect(out).not.toContain('\u001b')
    expect(out).not.toContain('\r')
    expect(out).toContain('\\e[31mred')
    expect(out).toContain('\\u202eevil')
    // our own multi-line messages keep their lines
    expect(logLines('a\nb')).toBe('a\nb')
  })
  it('oneLine and quote keep a value on one line, its control characters visible', () => {
    expect(oneLine('a\nb\r\tc\u0000')).toBe('a\\nb\\r\\tc\\x00')
    expect(quote('README\n::warning::x')).toBe("'README\\n::warning::x'")
    expect(oneLine('Sales pipeline — ÄÖ 東京')).toBe('Sales pipeline — ÄÖ 東京')
  })
})

describe('the terminal channel', () => {
  it('escape sequences, C1 and bidi controls are shown, never sent', () => {
    const out = terminalLines(PAYLOAD)
    // eslint-disable-next-line no-control-regex
    expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/)
    expect(out).toContain('\\e[31m')
    expect(out).toContain('\\x85')
    expect(terminalLines('one\ntwo\tthree')).toBe('one\ntwo\tthree')
  })
})

describe('the Markdown channel', () => {
  it('md makes every meaningful character an entity and keeps data on one line', () => {
    const out = md(PAYLOAD)
    expect(out).not.toMatch(/[<>`|\n\r[\]*]/)
    expect(out).not.toContain('@acme')
    expect(out).toContain('&lt;img src=x onerror=alert(1)&gt;')
    expect(out).toContain('&amp;amp;')
    expect(md('ORDERS_RAW')).toBe('ORDERS_RAW')
    expect(mdCode('<b>@team</b>')).toBe('`<b>@team</b>`')
    expect(mdCode('a|b')).toBe('<code>a&#124;b</code>')
    expect(md(undefined)).toBe('')
    expect(mdCode('a`b')).toBe('<code>a&#96;b</code>')
  })
})

/** Every string of a value replaced by the payload (numbers, booleans and nulls kept). */
function poison<T>(v: T): T {
  if (typeof v === 'string') return PAYLOAD as unknown as T
  if (Array.isArray(v)) return v.map(poison) as unknown as T
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, poison(x)])) as T
  return v
}

/** What a Markdown renderer may print of its own: these tags, nothing else starting with '<'. */
const OWN_TAGS = /^<(\/?(details|details open|summary|code|br|sub)>|!-- qlik-di-promote:)/

function expectInert(markdown: string): void {
  for (let i = markdown.indexOf('<'); i >= 0; i = markdown.indexOf('<', i + 1))
    if (!OWN_TAGS.test(markdown.slice(i, i + 40)))
      throw new Error(
        `markup from data at ${i}: ...${markdown.slice(Math.max(0, i - 120), i + 40)}`
      )
  expect(markdown).not.toContain('@acme')
  expect(markdown).not.toContain('](javascript:')
  expect(markdown).not.toContain('**bold**')
  // eslint-disable-next-line no-control-regex
  expect(markdown).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2028]/)
  for (const line of markdown.split('\n')) {
    expect(line).not.toMatch(/^::/)
    // a table row keeps its columns: the payload's '|' is never a cell border
    if (line.startsWith('|')) expect(line).not.toContain('| `code`')
  }
}

describe('every report renderer escapes every string it prints', () => {
  it('summaries and plans of a promotion, a failure and a dry run, poisoned', async () => {
    const sim = await startDemo()
    try {
      const ok = await runPromote(sim)
      sim.injectFault({
        tenant: 'prod',
        path: '/actions/import-async',
        actionOutcome: { state: 'FAILED', message: 'locked' },
        times: 1
      })
      const failed = await runPromote(sim, {
        bindings: PROD_BINDINGS_YAML.replace('ANALYTICS', 'V2')
      })
      const dry = await runPromote(sim, {
        'dry-run': 'true',
        bindings: PROD_BINDINGS_YAML.replace('ANALYTICS', 'V3')
      })
      const reports: RunReport[] = [ok.report, failed.report, dry.report]
      expect(failed.report.ledger.entries.length).toBeGreaterThan(0)
      expect(dry.report.plan).toBeDefined()
      for (const r of reports) {
        const bad = poison(r)
        // the states and kinds the renderers look icons up by stay as they were
        bad.outcome = r.outcome
        bad.mode = r.mode
        bad.dryRun = r.dryRun
        const summary = renderSummary(bad)
        expect(summary.length).toBeGreaterThan(200)
        expect(summary).toContain('&lt;img src=x onerror=alert(1)&gt;')
        expectInert(summary)
        if (r.plan) expectInert(planMarkdown(bad))
      }
      // a set's summary: the projects' own summaries fold under <details> with a poisoned name
      const set = poison({ ...ok.report, projects: [], projectReports: [] }) as RunReport
      set.projects = [{ name: PAYLOAD, state: 'failed', error: PAYLOAD } as never]
      set.projectReports = [{ name: PAYLOAD, report: poison(failed.report) } as never]
      expectInert(renderSummary(set))
    } finally {
      await sim.close()
    }
  }, 60000)
})

describe('colour on the command line', () => {
  it('only on a terminal, never with NO_COLOR or TERM=dumb; FORCE_COLOR for CI logs', async () => {
    const { useColour } = await import('../../src/report/console-reporter.js')
    expect(useColour({ isTTY: true }, {})).toBe(true)
    expect(useColour({ isTTY: false }, {})).toBe(false)
    expect(useColour({}, {})).toBe(false)
    expect(useColour({ isTTY: true }, { NO_COLOR: '1' })).toBe(false)
    expect(useColour({ isTTY: true }, { TERM: 'dumb' })).toBe(false)
    expect(useColour({ isTTY: false }, { FORCE_COLOR: '1' })).toBe(true)
    expect(useColour({ isTTY: true }, { NO_COLOR: '1', FORCE_COLOR: '1' })).toBe(false)
  })

  it('the colours are ours: data still cannot send an escape sequence', async () => {
    const { ConsoleReporter } = await import('../../src/report/console-reporter.js')
    let out = ''
    const r = new ConsoleReporter(false, (s) => (out += s), true)
    r.warning('task \u001b[2J\u001b]0;pwned\u0007 name')
    expect(out).toContain('\u001b[33m')
    expect(out).toContain('\\e[2J')
    expect(out).not.toContain('\u001b[2J')
    expect(out).not.toContain('\u001b]0;')
  })

  it('a live status line only on an interactive terminal, replaced in place, cleared by the next line', async () => {
    const { ConsoleReporter, liveLine } = await import('../../src/report/console-reporter.js')
    expect(liveLine({ isTTY: true, columns: 120 }, {})?.columns()).toBe(120)
    expect(liveLine({ isTTY: false }, {})).toBeUndefined()
    expect(liveLine({ isTTY: true }, { TERM: 'dumb' })).toBeUndefined()
    expect(liveLine({ isTTY: true }, { CI: 'true' })).toBeUndefined()
    let out = ''
    const r = new ConsoleReporter(false, (s) => (out += s), false, { columns: () => 40 })
    r.status?.('Import: EXECUTING (tasks: 1 executing), 12 s')
    r.status?.(
      'Import: EXECUTING (tasks: 1 executing), 14 s \u001b[2J and a name far too long to fit'
    )
    const CLEAR = '\r\u001b[2K'
    expect(out.split(CLEAR).length - 1).toBe(2)
    // one terminal line: cut to the width, and inert
    const last = out.split('\r\u001b[2K').at(-1) as string
    expect(last.length).toBeLessThanOrEqual(39)
    expect(last).not.toContain('\u001b[2J')
    r.info('Import: COMPLETED after 15.0 s')
    expect(out.split(CLEAR).at(-1)).toMatch(/^ {3}\d+\.\ds {3}Import: COMPLETED after 15\.0 s\n$/)
    // without a terminal there is no status line: the wait logs heartbeats instead
    expect(new ConsoleReporter(false, () => {}).status).toBeUndefined()
  })
})

describe('the status line of a terminal', () => {
  it('is redacted like every line, and only offered where the terminal has one', async () => {
    const { Redactor } = await import('../../src/pipeline/redact.js')
    const { ConsoleReporter } = await import('../../src/report/console-reporter.js')
    const redactor = new Redactor({})
    redactor.add('s3cr3t-value-123')
    let out = ''
    const live = redactor.reporter(
      new ConsoleReporter(false, (s) => (out += s), false, { columns: () => 200 })
    )
    live.status?.('Import: EXECUTING with s3cr3t-value-123, 4 s')
    expect(out).toContain('Import: EXECUTING with')
    expect(out).not.toContain('s3cr3t-value-123')
    expect(redactor.reporter(new ConsoleReporter(false, () => {})).status).toBeUndefined()
  })
})
