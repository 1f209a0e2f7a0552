/** @type {import('jest').Config} */
module.exports = {
  // ORT's native binding checks `instanceof Float32Array` against the outer realm;
  // this environment hands the test realm the same typed-array constructors.
  testEnvironment: '<rootDir>/test/ort-environment.js',
  // The sweep's worker threads run the sources too (see the file).
  setupFiles: ['<rootDir>/test/sweep-worker-env.js'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 60000,
};
