import type { QlikApi } from '../../qlik/api.js'
import { similar } from '../../util/similar.js'
import type { StepContext } from '../context.js'
import { PipelineError } from '../errors.js'

export const DATA_STORES = 'Check the data stores catalog'

/** expect-data-stores: every name must be in the target's catalog; missing ones fail, with look-alikes. */
export async function checkDataStores(ctx: StepContext, api: QlikApi): Promise<string> {
  const stores = await api.listDataStores()
  const names = stores.map((s) => s.name)
  const found = ctx.o.expectDataStores.filter((n) => names.includes(n))
  const missing = ctx.o.expectDataStores.filter((n) => !names.includes(n))
  ctx.report.dataStores = { expected: ctx.o.expectDataStores, found, missing }
  if (missing.length) {
    const hints = missing.map((m) => {
      const like = names.filter((n) => similar(n, m)).slice(0, 5)
      return `'${m}'${like.length ? ` (similar: ${like.map((l) => `'${l}'`).join(', ')})` : ''}`
    })
    throw new PipelineError(
      `Data store(s) missing from the target's catalog (${stores.length} there): ${hints.join(', ')}.`,
      DATA_STORES
    )
  }
  return `${found.length} of ${ctx.o.expectDataStores.length} found`
}
