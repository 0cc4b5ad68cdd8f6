/** Writes action.yml from the options and outputs schemas: `npm run action-yml`. */
import { writeFileSync } from 'node:fs'
import { stringify } from 'yaml'
import { OPTION_SPECS } from '../src/options.js'
import { OUTPUT_SPECS } from '../src/outputs.js'

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
  runs: { using: 'node24', main: 'dist/index.js' }
}
writeFileSync(
  new URL('../action.yml', import.meta.url),
  `# Generated from src/options.ts and src/outputs.ts by \`npm run action-yml\`; a test checks it.\n${stringify(doc, { lineWidth: 0 })}`
)
