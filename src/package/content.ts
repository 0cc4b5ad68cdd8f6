import { readFileSync } from 'node:fs'
import {
  PackageFormatError,
  parseDefinition,
  unzipPackage,
  type FileMap,
  type Problem,
  type ProjectDefinition
} from './layout.js'

/** A package's definition and every problem found reading it. */
export interface ParsedPackage {
  definition?: ProjectDefinition
  problems: Problem[]
}

/**
 * The package of one run, read once: the files are unzipped (or taken from the folder) and parsed
 * the first time a step needs the definition (the offline check, the release diff, the task plan),
 * and only the parsed definition is kept afterwards: the files themselves are not held for the
 * rest of the run (uploads read the ZIP from disk).
 */
export class PackageContent {
  private parsed?: ParsedPackage

  private constructor(
    private files: (() => FileMap) | undefined,
    private readonly onParse: (files: number, ms: number) => void
  ) {}

  /** A package ZIP on disk. */
  static ofZipFile(path: string, onParse: (files: number, ms: number) => void = () => {}) {
    return new PackageContent(() => unzipPackage(new Uint8Array(readFileSync(path))), onParse)
  }

  /** Files at hand (a project folder, an unzipped package). */
  static ofFiles(files: FileMap, onParse: (files: number, ms: number) => void = () => {}) {
    return new PackageContent(() => files, onParse)
  }

  /** The definition and problems, parsed on the first call. */
  read(): ParsedPackage {
    if (!this.parsed) {
      const t0 = performance.now()
      const files = (this.files as () => FileMap)()
      this.parsed = parseDefinition(files)
      this.files = undefined
      this.onParse(Object.keys(files).length, performance.now() - t0)
    }
    return this.parsed
  }

  /** The definition, or a PackageFormatError naming `what` when the package has none. */
  definition(what = 'The package'): ProjectDefinition {
    const d = this.read().definition
    if (!d) throw new PackageFormatError(`${what} has no readable project definition`)
    return d
  }
}
