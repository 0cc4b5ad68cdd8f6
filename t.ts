import { parseConfig } from './src/simulator/config.ts'
import { buildTenants } from './src/simulator/state.ts'
import { buildPackage, readPackage } from './src/simulator/packages.ts'
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { unzipSync, strFromU8 } from 'fflate'
import { parseDefinition } from './src/package/layout.ts'
const [dev] = buildTenants(parseConfig(parse(readFileSync('src/simulator/demo.yaml','utf8'))), Date.now())
for (const p of dev!.projects) for (const mode of ['MINIMAL','ALL','LEGACY'] as const) {
  const zip = buildPackage(p, mode, true)
  const files = unzipSync(zip)
  if (mode === 'MINIMAL') for (const [k,v] of Object.entries(files)) if (!k.includes('datasets/')) console.log('---', k, '\n' + strFromU8(v))
  const r = readPackage(zip)
  console.log(p.name, mode, r.reports, r.content?.tasks.map(t=>[t.id,t.type,t.datasets.length, JSON.stringify(t.connectionVars)]))
}
