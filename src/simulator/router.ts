import { SimHttpError } from './errors.js'

/** Route tables compiled once: a path template's `:name` segments become parameters. */

export interface Compiled<R> {
  route: R
  regex: RegExp
  keys: string[]
}

export function compile<R extends { path: string }>(routes: readonly R[]): Compiled<R>[] {
  return routes.map((route) => {
    const keys: string[] = []
    const pattern = route.path.replace(/:([A-Za-z]+)/g, (_m, k: string) => {
      keys.push(k)
      return '([^/]+)'
    })
    return { route, regex: new RegExp(`^${pattern}/?$`), keys }
  })
}

/**
 * The route for a method and path, with its parameters; when none, 405 if only the method differs
 * (unless `no405`), else 404 with `notFound`.
 */
export function match<R extends { path: string; method: string }>(
  table: readonly Compiled<R>[],
  method: string,
  pathname: string,
  opts: { notFound?: string; no405?: boolean } = {}
): { route: R; params: Record<string, string> } {
  let pathMatched = false
  for (const c of table) {
    const m = c.regex.exec(pathname)
    if (!m) continue
    pathMatched = true
    if (c.route.method !== method) continue
    const params = Object.fromEntries(
      c.keys.map((k, i) => [k, decodeURIComponent(m[i + 1] as string)])
    )
    return { route: c.route, params }
  }
  if (pathMatched && !opts.no405)
    throw new SimHttpError(
      405,
      'HTTP-405',
      'Method Not Allowed',
      `${method} is not supported on ${pathname}.`
    )
  throw new SimHttpError(
    404,
    'HTTP-404',
    'Not Found',
    opts.notFound ?? `No endpoint ${method} ${pathname}.`
  )
}
