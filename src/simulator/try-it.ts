/**
 * What the simulator prints for people once it is ready with the demo configuration: the
 * environment and the command that promote the demo project, ready to paste (its JSON line on
 * stdout stays for scripts).
 */

/** The demo's own bindings for its prod tenant: every variable 'Sales pipeline' declares. */
export const DEMO_PROD_BINDINGS = `platformConnection: "{{id(connection, PROD_DATA.snowflake_prod)}}"
cloudStagingConnection: "{{id(connection, PROD_DATA.s3_staging_prod)}}"
task.landing_orders.sourceConnection: "{{id(connection, PROD_SOURCES.orders_postgres)}}"
task.landing_crm.sourceConnection: "{{id(connection, PROD_SOURCES.crm_mysql)}}"
task-type.storage.databaseName: ANALYTICS
project.current.prefixSchema: null
`

/** What a person pastes into another terminal to promote the demo project (demo configuration). */
export function tryIt(tenants: Record<string, { url: string; apiKey: string }>): string {
  const dev = tenants.dev
  const prod = tenants.prod
  if (!dev || !prod) return ''
  return [
    '',
    `Simulator ready: tenants dev (${dev.url}) and prod (${prod.url}). Stop with Ctrl-C.`,
    "In another terminal, promote the demo project 'Sales pipeline' from dev to prod:",
    '',
    `export QLIK_SOURCE_API_KEY=${dev.apiKey} QLIK_TARGET_API_KEY=${prod.apiKey}`,
    "cat > prod-bindings.yaml <<'EOF'",
    DEMO_PROD_BINDINGS.trimEnd(),
    'EOF',
    `npx qlik-di-promote promote --source-tenant ${dev.url} --source-project "Sales pipeline" \\`,
    `  --target-tenant ${prod.url} --target-space PROD_PIPELINES --bindings-file prod-bindings.yaml`,
    '',
    "Add --dry-run for the release plan alone; 'npx qlik-di-promote --help' for the rest.",
    '',
    ''
  ].join('\n')
}
