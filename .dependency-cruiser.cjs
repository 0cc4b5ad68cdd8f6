/**
 * The layering of docs/architecture.md as rules (npm run lint runs them: `depcruise`). Arrows point
 * down only: entry points and adapters -> composition -> set -> pipeline -> model -> qlik/package ->
 * text/util. Violations that predate a rule and are still being moved out are listed, one by one,
 * in .dependency-cruiser-known-violations.json (`npm run lint:deps:baseline` rewrites it after a
 * move): a new violation fails lint; an old one disappears from the list when it is fixed.
 */
const ADAPTERS =
  '^src/(main|cli|cli-run|cli-entry|index|post|inputs|outputs|setup|docs|runner)\\.ts$|^src/(report|artifacts)/'
const CORE = '^src/(pipeline|set|model|options)/|^src/options\\.ts$'

module.exports = {
  forbidden: [
    {
      name: 'no-cycle',
      severity: 'error',
      comment: 'An import cycle: two modules that need each other are one room or a missing one.',
      from: {},
      to: { circular: true }
    },
    {
      name: 'core-not-up',
      severity: 'error',
      comment:
        'The engine (pipeline, set, model, options) never imports an adapter: the action, the CLI, the composition root, the views or the artifact stores.',
      from: { path: CORE },
      to: { path: ADAPTERS }
    },
    {
      name: 'pipeline-not-set',
      severity: 'error',
      comment: "One project's run (pipeline/) does not know about sets (set/ runs pipelines).",
      from: { path: '^src/pipeline/' },
      to: { path: '^src/set/' }
    },
    {
      name: 'model-is-data',
      severity: 'error',
      comment:
        'The model (report, outcome) is data every layer reads: it imports no layer above the clients.',
      from: { path: '^src/model/' },
      to: { path: '^src/(pipeline|set|options|report|artifacts)/|^src/options\\.ts$' }
    },
    {
      name: 'views-read-the-model',
      severity: 'error',
      comment:
        "Renderers (summary, plan, interrupted account) read the model, not the pipeline's internals (reporters implement the pipeline's Reporter port: they may import it).",
      from: { path: '^src/report/(summary|plan|interrupted|pr-comment|drift-issue)\\.ts$' },
      to: { path: '^src/(pipeline|set)/' }
    },
    {
      name: 'clients-below-pipeline',
      severity: 'error',
      comment: 'The Qlik client and the package reader never import the engine or an adapter.',
      from: { path: '^src/(qlik|package)/' },
      to: { path: `${CORE}|${ADAPTERS}` }
    },
    {
      name: 'leaves-are-leaves',
      severity: 'error',
      comment:
        'Escaping (text/) and the utilities (util/) import nothing of the product but each other.',
      from: { path: '^src/(text|util)/' },
      to: { path: '^src/', pathNot: '^src/(text|util)/' }
    },
    {
      name: 'simulator-apart',
      severity: 'error',
      comment:
        "The simulator shares with the product only Qlik's vocabulary, the package reader and the leaves.",
      from: { path: '^src/simulator/' },
      to: {
        path: '^src/',
        pathNot: '^src/simulator/|^src/qlik/vocabulary\\.ts$|^src/package/|^src/(text|util)/'
      }
    },
    {
      name: 'product-not-simulator',
      severity: 'error',
      comment: 'The product never imports the simulator (it is a separate program).',
      from: { path: '^src/', pathNot: '^src/simulator/|^src/cli-run\\.ts$' },
      to: { path: '^src/simulator/' }
    },
    {
      name: 'toolkit-in-adapters',
      severity: 'error',
      comment: '@actions/* (the GitHub runner) is read by the action adapter only.',
      from: { path: '^src/', pathNot: ADAPTERS },
      to: { path: '@actions/' }
    }
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default']
    },
    exclude: { path: '^src/package/qtcp-schemas\\.ts$' }
  }
}
