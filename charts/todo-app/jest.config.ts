import type { Config } from 'jest';

// The specs run the real helm against the charts; nothing is mocked.
const config: Config = {
  displayName: 'todo-app',
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/tests/**/*.spec.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  // Each spec file copies the charts and runs `helm dependency build` before its tests.
  testTimeout: 60_000,
};

export default config;
