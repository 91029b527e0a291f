import type { Config } from 'jest';

// Workspace-level tests over the real tools (git, nx, bash, Docker); nothing is mocked.
// Two jest projects so that Nx can run them as two targets: `test` (fast, no image builds)
// and `integration` (builds and runs the images).
const transform: Config['transform'] = {
  '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }],
};

const config: Config = {
  projects: [
    {
      displayName: 'fast',
      rootDir: __dirname,
      testEnvironment: 'node',
      testMatch: ['<rootDir>/{secrets,dockerignore,project-graph,setup,image-inputs,helm,ci-workflow,runc-capbnd}.spec.ts'],
      transform,
      moduleFileExtensions: ['ts', 'js', 'json'],
    },
    {
      displayName: 'images',
      rootDir: __dirname,
      testEnvironment: 'node',
      testMatch: ['<rootDir>/images.spec.ts'],
      transform,
      moduleFileExtensions: ['ts', 'js', 'json'],
    },
  ],
};

export default config;
