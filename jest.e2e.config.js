// The end-to-end tests: dist/index.js, dist/post, dist/cli and dist/simulator run as the runner and
// users run them (child processes, real signals), one file at a time. `npm run test:e2e` builds
// the bundles first, so these never test stale code. E2E_NODE picks the Node binary they run on.
import base from './jest.config.js'

export default {
  ...base,
  testMatch: ['**/__tests__/e2e/**/*.test.ts'],
  testPathIgnorePatterns: ['/dist/', '/node_modules/'],
  maxWorkers: 1
}
