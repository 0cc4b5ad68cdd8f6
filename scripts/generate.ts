/**
 * `npm run generate`: writes src/version.ts (package.json's version, for --version), action.yml (from src/options.ts and src/outputs.ts) and
 * schemas/bindings.schema.json (from the zod schema the bindings loader uses) and the README's
 * inputs and outputs tables. Tests check all three.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { stringify } from 'yaml'
import { withTables } from '../src/docs.js'
import { OPTION_SPECS } from '../src/options.js'
import { OUTPUT_SPECS } from '../src/outputs.js'
import { projectsJsonSchema } from '../src/set/file.js'
import { bindingsJsonSchema } from '../src/pipeline/bindings.js'

const doc = {
  name: 'Qlik Talend Cloud DI project promote',
  description:
    'Promote a Qlik Talend Cloud data integration project between tenants: export, artifact, bindings, import, prepare, validate.',
  author: 'qlik-di-promote',
  branding: { icon: 'upload-cloud', color: 'green' },
  inputs: Object.fromEntries(
    OPTION_SPECS.map((s) => [
      s.name,
      { description: s.description, required: false, default: s.default }
    ])
  ),
  outputs: Object.fromEntries(OUTPUT_SPECS.map((o) => [o.name, { description: o.description }])),
  // the post step writes the account of a main step that was killed (from its journal)
  runs: {
    using: 'node24',
    main: 'dist/index.js',
    post: 'dist/post/index.js',
    'post-if': 'always()'
  }
}
writeFileSync(
  new URL('../action.yml', import.meta.url),
  `# Generated from src/options.ts and src/outputs.ts by \`npm run generate\`; a test checks it.\n${stringify(doc, { lineWidth: 0 })}`
)

mkdirSync(new URL('../schemas/', import.meta.url), { recursive: true })
writeFileSync(
  new URL('../schemas/bindings.schema.json', import.meta.url),
  `${JSON.stringify(bindingsJsonSchema(), null, 2)}\n`
)

writeFileSync(
  new URL('../schemas/projects.schema.json', import.meta.url),
  `${JSON.stringify(projectsJsonSchema(), null, 2)}\n`
)

const readme = new URL('../README.md', import.meta.url)
writeFileSync(readme, withTables(readFileSync(readme, 'utf8')))

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string
}
writeFileSync(
  new URL('../src/version.ts', import.meta.url),
  `// Generated from package.json by \`npm run generate\`; a test checks it.\nexport const VERSION = '${pkg.version}'\n`
)
