/**
 * The command line as npm ships it: `npm pack` of this checkout, installed from the tarball into an
 * empty folder without the network, runs `qlik-di-promote --version` and `validate`; the package
 * has no runtime dependency (everything is in the bundle).
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { E2E_NODE, ROOT } from '../helpers/bundle.js'

it('npm pack, install the tarball offline into an empty folder, run --version and validate', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    version: string
    dependencies?: Record<string, string>
  }
  expect(pkg.dependencies ?? {}).toEqual({})
  const out = mkdtempSync(join(tmpdir(), 'qdp-pack-'))
  execFileSync('npm', ['pack', '--silent', '--pack-destination', out], { cwd: ROOT })
  const tarball = readdirSync(out).find((f) => f.endsWith('.tgz')) as string
  expect(tarball).toBe(`qlik-di-promote-${pkg.version}.tgz`)
  const files = execFileSync('tar', ['-tzf', join(out, tarball)], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
  expect(files).toEqual(expect.arrayContaining(['package/dist/cli/index.js', 'package/action.yml']))
  expect(
    files.some((f) => f.startsWith('package/src/') || f.startsWith('package/__tests__/'))
  ).toBe(false)

  const app = mkdtempSync(join(tmpdir(), 'qdp-install-'))
  writeFileSync(join(app, 'package.json'), '{"name":"app","private":true}\n')
  execFileSync(
    'npm',
    ['install', '--offline', '--no-audit', '--no-fund', '--silent', join(out, tarball)],
    { cwd: app }
  )
  // npx finds the installed bin; the Node under test runs it
  const run = (args: string[]) =>
    execFileSync(E2E_NODE, [join(app, 'node_modules', '.bin', 'qlik-di-promote'), ...args], {
      cwd: app,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' }
    })
  expect(run(['--version']).trim()).toBe(pkg.version)
  expect(
    execFileSync('npx', ['--no-install', 'qlik-di-promote', '--version'], {
      cwd: app,
      encoding: 'utf8'
    }).trim()
  ).toBe(pkg.version)
  expect(run(['validate', '--package-dir', join(ROOT, 'examples', 'project')])).toContain('VALID')
  // the simulator comes with the package: "try it without a tenant" needs nothing but npx
  expect(run(['simulator', '--help'])).toContain('Usage: qlik-di-promote simulator [--port N]')
  // validate wrote nothing into the folder it ran in
  expect(readdirSync(app).sort()).toEqual(['node_modules', 'package-lock.json', 'package.json'])
}, 120_000)
