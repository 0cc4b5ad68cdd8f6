import { describe, expect, it } from '@jest/globals'
import { FolderError } from '../src/package/folder.js'
import { PackageFormatError } from '../src/package/format.js'
import { PackageReadError } from '../src/package/package.js'
import { BindingsInputError } from '../src/pipeline/bindings.js'
import { InputError, PipelineError } from '../src/pipeline/errors.js'
import { EndpointMissingError } from '../src/qlik/api.js'
import { SigningKeyError } from '../src/qlik/jwt.js'
import { OptionsError } from '../src/options.js'
import { PackageError } from '../src/simulator/engine/packages.js'
import { SimHttpError } from '../src/simulator/errors.js'
import { ConfigError } from '../src/simulator/config.js'

describe('error classes', () => {
  it('each says its own name (logs and `String(e)` tell them apart)', () => {
    const errors: Array<[Error, string]> = [
      [new FolderError('x'), 'FolderError'],
      [new PackageFormatError('x'), 'PackageFormatError'],
      [new PackageReadError('x'), 'PackageReadError'],
      [new BindingsInputError('x'), 'BindingsInputError'],
      [new PipelineError('x', 'step'), 'PipelineError'],
      [new InputError('x', 'step'), 'InputError'],
      [new EndpointMissingError(), 'EndpointMissingError'],
      [new SigningKeyError('x'), 'SigningKeyError'],
      [new OptionsError(['x']), 'OptionsError'],
      [new PackageError('x'), 'PackageError'],
      [new SimHttpError(400, 'C', 'T'), 'SimHttpError'],
      [new ConfigError('x', []), 'ConfigError']
    ]
    for (const [e, name] of errors) {
      expect(e.name).toBe(name)
      expect(String(e)).toMatch(new RegExp(`^${name}: `))
    }
  })
})
