// ts-jest in ESM mode, as in actions/typescript-action. Type checking is `npm run typecheck`'s job,
// so ts-jest only transpiles (isolatedModules) and the suite stays fast on a 2-core runner.
// `npm test` runs the unit and in-process tests (no bundle needed); the tests through the bundles
// are jest.e2e.config.js (`npm run test:e2e`, which builds the bundles first).
export default {
  clearMocks: true,
  extensionsToTreatAsEsm: ['.ts'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testEnvironment: 'node',
  testMatch: ['**/__tests__/**/*.test.ts'],
  testPathIgnorePatterns: ['/dist/', '/node_modules/', '/__tests__/e2e/'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }]
  },
  // jest's default on 2 cores is 1 worker; the in-process tests mostly wait on loopback HTTP
  maxWorkers: 2,
  testTimeout: 30000,
  verbose: false
}
