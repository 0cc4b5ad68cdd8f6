import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { OUTPUT_SPECS } from '../src/outputs.js'
import {
  OPTION_SPECS,
  OptionsError,
  parseOptions,
  parseTenantUrl,
  type RawOptions
} from '../src/options.js'

const base: RawOptions = {
  'source-tenant': 'acme-dev.eu.qlikcloud.com',
  'source-api-key': 'k1',
  'source-project': 'Sales pipeline',
  'target-tenant': 'https://acme-prod.eu.qlikcloud.com/',
  'target-client-id': 'id',
  'target-client-secret': 'secret',
  'target-space': 'PROD_PIPELINES'
}

const problems = (raw: RawOptions): string[] => {
  try {
    parseOptions(raw)
  } catch (e) {
    expect(e).toBeInstanceOf(OptionsError)
    return (e as OptionsError).problems
  }
  throw new Error('expected OptionsError')
}

describe('options: length and control characters, before any request', () => {
  it('refuses a 100 kB tenant host without retrying anything, and says why', () => {
    const long = `${'a'.repeat(100_000)}.eu.qlikcloud.com`
    const [p] = problems({ ...base, 'target-tenant': long })
    expect(p).toContain("Input 'target-tenant' is 100017 characters long; the most it takes is 300")
    expect(p!.length).toBeLessThan(300)
    const [h] = problems({ ...base, 'target-tenant': `${'a'.repeat(64)}.eu.qlikcloud.com` })
    expect(h).toContain("Input 'target-tenant' has a host name of 81 characters")
  })

  it('names the input of a 100 kB project or space name', () => {
    const ps = problems({
      ...base,
      'source-project': 'x'.repeat(100_000),
      'target-space': 'y'.repeat(300)
    })
    expect(ps).toHaveLength(2)
    expect(ps[0]).toContain(
      "Input 'source-project' is 100000 characters long; the most it takes is 256"
    )
    expect(ps[1]).toContain("Input 'target-space' is 300 characters long")
  })

  it('refuses control characters and never echoes them raw', () => {
    const [p] = problems({ ...base, 'target-project': 'Sales\u001b[31m pipeline' })
    expect(p).toContain(
      "Input 'target-project' contains a control character (U+001B at position 6)"
    )
    expect(p).toContain('\\u001b[31m')
    expect(p).not.toContain('\u001b')
    expect(problems({ ...base, 'target-space': 'PROD\nPIPELINES' })[0]).toContain(
      '(this input is one line)'
    )
    // bindings span lines, but escapes are still refused
    expect(() => parseOptions({ ...base, bindings: 'a: 1\nb: 2\n' })).not.toThrow()
    expect(problems({ ...base, bindings: 'a: "\u0007"' })[0]).toContain(
      "Input 'bindings' contains a control character"
    )
  })

  it('does not echo a secret that is too long or carries control characters', () => {
    const key = `sk-${'z'.repeat(20_000)}`
    const [p] = problems({ ...base, 'source-api-key': key })
    expect(p).toBe("Input 'source-api-key' is 20003 characters long; the most it takes is 16384.")
    const [q] = problems({ ...base, 'source-api-key': 'secret\u0000value' })
    expect(q).not.toContain('secret')
  })

  it('cuts long echoed values to a readable length', () => {
    const [p] = problems({ ...base, mode: `promote${'!'.repeat(500)}` })
    expect(p).toMatch(/got "promote!+"… \(507 characters\)\./)
    expect(p!.length).toBeLessThan(200)
  })
})

describe('options', () => {
  it('parses defaults and both ways of authenticating', () => {
    const o = parseOptions(base)
    expect(o).toMatchObject({
      mode: 'promote',
      source: { url: 'https://acme-dev.eu.qlikcloud.com', auth: { kind: 'api-key', apiKey: 'k1' } },
      target: {
        url: 'https://acme-prod.eu.qlikcloud.com',
        auth: { kind: 'oauth', clientId: 'id', clientSecret: 'secret' }
      },
      exportMode: 'MINIMAL',
      strictBindings: true,
      prepare: true,
      validate: true,
      allowRecreate: false,
      dryRun: false,
      backup: true,
      runTasks: 'none',
      quiesce: false,
      runHealthySeconds: 30,
      triggerTasks: [],
      expectDataStores: [],
      pollIntervalSeconds: 2,
      timeoutSeconds: 1800
    })
    expect(parseOptions({ ...base, 'export-mode': 'all' })).toMatchObject({ exportMode: 'ALL' })
    // run-tasks turns quiesce on unless told otherwise; lists are comma or line separated
    expect(parseOptions({ ...base, 'run-tasks': 'all' })).toMatchObject({
      runTasks: 'all',
      quiesce: true
    })
    expect(
      parseOptions({ ...base, 'run-tasks': 'Landing orders, mart_sales', quiesce: 'false' })
    ).toMatchObject({ runTasks: ['Landing orders', 'mart_sales'], quiesce: false })
    expect(
      parseOptions({
        ...base,
        'trigger-tasks': 'Reload sales app\nOther',
        'expect-data-stores': 'a,b'
      })
    ).toMatchObject({ triggerTasks: ['Reload sales app', 'Other'], expectDataStores: ['a', 'b'] })
    expect(problems({ ...base, 'run-tasks': 'all', validate: 'false' })).toEqual([
      "Input 'run-tasks' needs 'validate: true': tasks run only after the target project validated."
    ])
    expect(problems({ ...base, mode: 'export', 'trigger-tasks': 'x' })).toEqual([
      "Inputs 'run-tasks', 'trigger-tasks' and 'expect-data-stores' act on the target: they are for modes promote and deploy, not 'export'."
    ])
  })

  it('names the input in every problem, all at once', () => {
    const found = problems({
      ...base,
      'target-tenant': 'http://prod.example.com',
      'source-client-secret': 's',
      timeout: '-5',
      'export-mode': 'FULL',
      'target-space': '',
      'strict-bindings': 'maybe'
    })
    expect(found.sort()).toEqual(
      [
        'Input \'strict-bindings\' must be true or false, got "maybe".',
        'Input \'export-mode\' must be one of MINIMAL, ALL, LEGACY, got "FULL".',
        'Input \'timeout\' must be a number from 1 to 86400, got "-5".',
        "Inputs 'source-api-key' and 'source-client-id'/'source-client-secret' are both set: give one way to authenticate to the source tenant.",
        "Input 'target-tenant' uses http:// for prod.example.com; Qlik Cloud needs https:// (http is allowed only for localhost / 127.0.0.1, e.g. the simulator).",
        "Input 'target-space' is required for mode 'promote' (a space id or name in the target tenant)."
      ].sort()
    )
  })

  it('requires what each mode needs and nothing more', () => {
    expect(() =>
      parseOptions({
        mode: 'export',
        'source-tenant': 'a.b.c',
        'source-api-key': 'k',
        'source-project': 'p'
      })
    ).not.toThrow()
    expect(
      problems({
        mode: 'deploy',
        'target-tenant': 'a.b.c',
        'target-api-key': 'k',
        'zip-path': 'p.zip'
      })
    ).toEqual([
      "Input 'target-space' is required for mode 'deploy' (a space id or name in the target tenant)."
    ])
    expect(
      problems({
        mode: 'deploy',
        'target-tenant': 'a.b.c',
        'target-api-key': 'k',
        'target-space': 'S'
      })
    ).toEqual([
      "Mode 'deploy' needs the package: set 'zip-path' (a local ZIP), 'package-dir' (a project folder of the repository) or 'artifact-name' (an artifact of this run, or of 'artifact-run-id')."
    ])
    expect(problems({ ...base, 'target-client-secret': '' })).toEqual([
      "Input 'target-client-secret' is missing: OAuth needs both target-client-id and target-client-secret."
    ])
    expect(problems({ ...base, 'artifact-run-id': '123' })).toEqual([
      "Input 'github-token' is required with 'artifact-run-id' (to download another run's artifact)."
    ])
    expect(problems({ ...base, mode: 'copy' })[0]).toBe(
      'Input \'mode\' must be one of promote, export, deploy, validate, drift, got "copy".'
    )
  })

  it('validate needs a folder or a ZIP and no tenant; package inputs exclude each other', () => {
    expect(parseOptions({ mode: 'validate', 'package-dir': 'project' }).packageDir).toBe('project')
    expect(parseOptions({ mode: 'validate', 'zip-path': 'p.zip' }).target).toBeUndefined()
    expect(problems({ mode: 'validate' })).toEqual([
      "Mode 'validate' needs what to check: set 'package-dir' (a project folder) or 'zip-path' (a package ZIP)."
    ])
    expect(problems({ mode: 'validate', 'package-dir': 'd', 'zip-path': 'p.zip' })).toEqual([
      "Inputs 'zip-path' and 'package-dir' are all set: give the package one way."
    ])
    const deploy = {
      mode: 'deploy',
      'target-tenant': 'a.b.c',
      'target-api-key': 'k',
      'target-space': 'S'
    }
    expect(parseOptions({ ...deploy, 'package-dir': 'project' }).packageDir).toBe('project')
    expect(problems({ ...deploy, 'package-dir': 'project', 'artifact-name': 'a' })).toEqual([
      "Inputs 'package-dir' and 'artifact-name' are all set: give the package one way."
    ])
    expect(problems({ ...base, 'package-dir': 'project' })).toEqual([
      "Input 'package-dir' is for modes deploy and validate; mode 'promote' exports the package from 'source-project'."
    ])
    expect(problems({ ...deploy, 'zip-path': 'p.zip', 'export-dir': 'out' })).toEqual([
      "Input 'export-dir' is for modes export and promote (it writes the exported package)."
    ])
    expect(problems({ ...base, 'export-dir': 'out', 'export-mode': 'LEGACY' })).toEqual([
      "Input 'export-dir' needs a YAML package: set 'export-mode' to MINIMAL (recommended) or ALL, not LEGACY."
    ])
  })

  it('accepts tenants as hosts or URLs; http only on loopback', () => {
    expect(parseTenantUrl('t', 'acme.us.qlikcloud.com')).toEqual({
      url: 'https://acme.us.qlikcloud.com',
      host: 'acme.us.qlikcloud.com'
    })
    expect(parseTenantUrl('t', 'http://127.0.0.1:4321')).toEqual({
      url: 'http://127.0.0.1:4321',
      host: '127.0.0.1:4321'
    })
    expect(parseTenantUrl('t', 'http://localhost:1').url).toBe('http://localhost:1')
    expect(parseTenantUrl('t', 'http://[::1]:8080').url).toBe('http://[::1]:8080')
    expect(() => parseTenantUrl('target-tenant', 'not a url')).toThrow(
      "Input 'target-tenant' is not a URL or host name"
    )
    expect(() => parseTenantUrl('t', 'ftp://x.y')).toThrow(/https/)
    expect(() => parseTenantUrl('t', 'https://x.y/api/v1')).toThrow(/without a path/)
    expect(() => parseTenantUrl('t', 'http://10.0.0.1')).toThrow(/needs https/)
  })
})

describe('action.yml', () => {
  const action = parse(readFileSync(new URL('../action.yml', import.meta.url), 'utf8')) as {
    inputs: Record<string, { description: string; default: string }>
    outputs: Record<string, { description: string }>
    runs: { using: string; main: string }
  }
  it('declares exactly the options of the schema, with their defaults and descriptions', () => {
    expect(Object.keys(action.inputs)).toEqual(OPTION_SPECS.map((s) => s.name))
    for (const s of OPTION_SPECS) {
      expect(action.inputs[s.name]).toMatchObject({
        default: s.default,
        description: s.description
      })
    }
  })
  it('runs on node24 from dist/index.js, with a post step for killed runs, and declares the design outputs', () => {
    expect(action.runs).toEqual({
      using: 'node24',
      main: 'dist/index.js',
      post: 'dist/post/index.js',
      'post-if': 'always()'
    })
    expect(Object.keys(action.outputs)).toEqual(OUTPUT_SPECS.map((o) => o.name))
    expect(Object.keys(action.outputs)).toEqual([
      'source-project-id',
      'target-project-id',
      'project-created',
      'artifact-id',
      'artifact-name',
      'zip-path',
      'zip-sha256',
      'import-state',
      'prepare-state',
      'validate-state',
      'report-path',
      'plan-path',
      'plan-file',
      'applied-plan',
      'drifted',
      'unchanged',
      'backup-artifact-name',
      'report-artifact-name',
      'projects'
    ])
  })
})

describe('README', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
  it('documents every input and output', () => {
    const row = (name: string): RegExp => new RegExp(`^\\|\\s*\`${name}\`\\s*\\|`, 'm')
    for (const s of OPTION_SPECS) expect(readme).toMatch(row(s.name))
    for (const o of OUTPUT_SPECS) expect(readme).toMatch(row(o.name))
  })
  it('has the inputs and outputs tables npm run generate writes (descriptions and defaults as in the schema)', async () => {
    const { withTables } = await import('../src/docs.js')
    const prettier = await import('prettier')
    const fresh = await prettier.format(withTables(readme), {
      parser: 'markdown',
      ...(await prettier.resolveConfig('README.md'))
    })
    expect(readme).toBe(fresh)
  })
  it('groups every input exactly once', async () => {
    const { INPUT_GROUPS } = await import('../src/docs.js')
    const grouped = INPUT_GROUPS.flatMap((g) => g.inputs)
    expect([...grouped].sort()).toEqual(OPTION_SPECS.map((s) => s.name).sort())
    expect(new Set(grouped).size).toBe(grouped.length)
  })
  it('says truly which modes require an input (each claim checked with the input left out)', async () => {
    const { REQUIRED_FOR } = await import('../src/docs.js')
    const source = {
      'source-tenant': 'dev.example.com',
      'source-api-key': 'k-0123456789',
      'source-project': 'P'
    }
    const target = {
      'target-tenant': 'prod.example.com',
      'target-api-key': 'k-0123456789',
      'target-space': 'S'
    }
    const valid: Record<string, Record<string, string>> = {
      promote: { mode: 'promote', ...source, ...target },
      export: { mode: 'export', ...source },
      deploy: { mode: 'deploy', ...target, 'zip-path': 'p.zip' },
      drift: { mode: 'drift', ...target, 'zip-path': 'p.zip' }
    }
    const problemsWithout = (raw: Record<string, string>, input: string): string[] => {
      const { [input]: _gone, ...rest } = raw
      void _gone
      try {
        parseOptions(rest)
        return []
      } catch (e) {
        return (e as OptionsError).problems
      }
    }
    for (const [input, modes] of Object.entries(REQUIRED_FOR)) {
      if (input === 'github-token' || modes.includes('one of')) continue
      for (const mode of modes.split(/[ ,]+/).filter((m) => m in valid)) {
        expect(problemsWithout(valid[mode]!, input).join(' ')).toContain(`'${input}'`)
      }
    }
    // the package inputs: deploy and drift need one of them
    for (const mode of ['deploy', 'drift']) {
      const said = problemsWithout(valid[mode]!, 'zip-path').join(' ')
      for (const input of ['zip-path', 'package-dir', 'artifact-name'])
        expect(said).toContain(`'${input}'`)
    }
    // github-token with artifact-run-id and with drift-issue
    expect(
      problemsWithout(
        { ...valid.deploy!, 'artifact-name': 'a', 'zip-path': '', 'artifact-run-id': '12' },
        'github-token'
      ).join(' ')
    ).toContain("'github-token'")
    expect(
      problemsWithout({ ...valid.drift!, 'drift-issue': 'true' }, 'github-token').join(' ')
    ).toContain("'github-token'")
  })
  it('shows the two set-up commands', () => {
    expect(readme).toContain('npm ci && npm run demo')
    expect(readme).toContain('npm test')
  })
})
