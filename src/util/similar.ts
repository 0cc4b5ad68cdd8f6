/** Edit distance of two strings (Levenshtein), case as given. */
export function editDistance(x: string, y: string): number {
  const d: number[] = Array.from({ length: y.length + 1 }, (_, j) => j)
  for (let i = 1; i <= x.length; i++) {
    let prev = d[0] as number
    d[0] = i
    for (let j = 1; j <= y.length; j++) {
      const tmp = d[j] as number
      d[j] = Math.min(
        (d[j] as number) + 1,
        (d[j - 1] as number) + 1,
        prev + (x[i - 1] === y[j - 1] ? 0 : 1)
      )
      prev = tmp
    }
  }
  return d[y.length] as number
}

/** A rough likeness of two names (case ignored): one contains the other, or few edits apart. */
export function similar(a: string, b: string): boolean {
  const x = a.toLowerCase()
  const y = b.toLowerCase()
  if (x.includes(y) || y.includes(x)) return true
  return editDistance(x, y) <= Math.max(2, Math.floor(Math.min(x.length, y.length) / 4))
}

/** ` (did you mean 'x'?)` for the closest similar candidate, or '' when none is close. */
export function didYouMean(
  name: string,
  candidates: Iterable<string>,
  show: (candidate: string) => string = (c) => `'${c}'`
): string {
  let best: string | undefined
  let bestDistance = Infinity
  for (const c of candidates) {
    if (c === name || !similar(c, name)) continue
    const d = editDistance(c.toLowerCase(), name.toLowerCase())
    if (d < bestDistance) {
      best = c
      bestDistance = d
    }
  }
  return best === undefined ? '' : ` (did you mean ${show(best)}?)`
}
