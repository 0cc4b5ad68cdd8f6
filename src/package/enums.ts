/**
 * Qlik's published package schemas name some values differently from the REST API (the project
 * schema says `QVD` where the API says `QLIK_QVD`). Every comparison goes through this one map.
 */
const PLATFORM_SCHEMA_TO_API: Record<string, string> = {
  QVD: 'QLIK_QVD'
}

/** A platform type as the REST API names it, whichever vocabulary it came in. */
export function normalizePlatform(p: string | undefined): string | undefined {
  if (p === undefined || p === '') return undefined
  const up = p.toUpperCase()
  return PLATFORM_SCHEMA_TO_API[up] ?? up
}
