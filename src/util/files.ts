import { readFileSync, realpathSync, statSync } from 'node:fs'
import { isAbsolute, relative, resolve } from 'node:path'
import { BoundsError, decodeUtf8 } from './bounds.js'

/**
 * Files that a repository (a pull request) provides: only regular files are read (a named pipe
 * would block the run forever, a device would never end), of a bounded size, in UTF-8.
 */
export class FileInputError extends Error {
  override readonly name = 'FileInputError'
}

export function readRegularFile(path: string, what: string, maxBytes = 16 * 1024 * 1024): string {
  let st
  try {
    st = statSync(path)
  } catch {
    throw new FileInputError(`${what}: no file ${path}.`)
  }
  if (!st.isFile())
    throw new FileInputError(
      `${what}: ${path} is not a regular file (${st.isDirectory() ? 'a folder' : 'a pipe, socket or device'}).`
    )
  if (st.size > maxBytes)
    throw new FileInputError(`${what}: ${path} is ${st.size} bytes; at most ${maxBytes} are read.`)
  try {
    return decodeUtf8(readFileSync(path))
  } catch (e) {
    if (e instanceof BoundsError) throw new FileInputError(`${what}: ${path} ${e.message}.`)
    throw e
  }
}

/** Whether `path`, with every symbolic link resolved, lies inside `folder` (also resolved). */
export function isInside(folder: string, path: string): boolean {
  const real = (p: string): string => {
    try {
      return realpathSync(p)
    } catch {
      return resolve(p)
    }
  }
  const rel = relative(real(folder), real(path))
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))
}
