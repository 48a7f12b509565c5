// One Jest run for the whole workspace. Tests compile from source with ts-jest (CommonJS); each project pins the
// tsconfig it needs, notably the decorator mode: TC39 standard decorators vs experimentalDecorators.
const { join } = require('node:path');

const sourceMappers = {
  '^@catga/runtime$': join(__dirname, 'runtime', 'src', 'index.ts'),
  '^@catga/runtime/nats$': join(__dirname, 'runtime', 'src', 'transport', 'nats', 'index.ts'),
  '^@catga/runtime/redis$': join(__dirname, 'runtime', 'src', 'persistence', 'redis', 'index.ts'),
  '^(\\.{1,2}/.*)\\.js$': '$1',
};

function project(displayName, rootDir, testDir, tsconfig, tsJest = {}) {
  return {
    displayName,
    rootDir,
    testEnvironment: 'node',
    testMatch: [`<rootDir>/${testDir}/**/*.test.ts`],
    moduleNameMapper: sourceMappers,
    transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: `<rootDir>/${tsconfig}`, ...tsJest }] },
  };
}

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    project('runtime', '<rootDir>/runtime', 'test', 'tsconfig.test.json'),
    project('runtime (experimentalDecorators)', '<rootDir>/runtime', 'test-legacy', 'tsconfig.test-legacy.json'),
    project('eslint-plugin', '<rootDir>/eslint-plugin', 'tests', 'tsconfig.test.json'),
    // The shop's tests run its sources compiled by @catga/transformer, through its ts-jest adapter (built by
    // `npm run build`, which `npm test` runs first).
    project('shop', '<rootDir>/fixtures/shop', 'test', 'tsconfig.test.json', {
      astTransformers: { before: [{ path: join(__dirname, 'transformer', 'dist', 'ts-jest.js') }] },
    }),
    // The bank's tests likewise; its NATS and crash tests also need the built dist/ (child processes).
    project('bank', '<rootDir>/fixtures/bank', 'test', 'tsconfig.test.json', {
      astTransformers: { before: [{ path: join(__dirname, 'transformer', 'dist', 'ts-jest.js') }] },
    }),
    // TS151002: ts-jest's note that a Node16 tsconfig under isolated transpilation is compiled as CommonJS (it is).
    project('transformer', '<rootDir>/transformer', 'test', 'tsconfig.test.json', { diagnostics: { ignoreCodes: [151002] } }),
  ],
};
