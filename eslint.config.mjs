// ESLint for the TypeScript the workspace owns: the plugin (libs/nx-k8s), its end-to-end specs
// (apps/deploy-e2e), the workspace tests (tools/tests), the benches (bench/) and the chart specs
// (charts/todo-app/tests). The frontend has its own lint target, the backend uses ruff.
// Formatting is Prettier's (.prettierrc.json); these rules are about correctness.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  // .gitignore's build output and caches, and the projects linted elsewhere.
  globalIgnores(['**/node_modules/', '**/dist/', '**/.nx/', '**/coverage/', '**/.next/', '**/tmp/', 'bench/results/', 'apps/frontend/', 'apps/backend/']),
  {
    files: ['**/*.{ts,mts,cts,js,mjs,cjs}'],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
    },
  },
  {
    // Node scripts in CommonJS (the build's copy-assets.cjs): require is their module system.
    files: ['**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        exports: 'writable',
        __dirname: 'readonly',
        __filename: 'readonly',
        process: 'readonly',
        console: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The end-to-end specs read `kubectl get -o json` of a live cluster and assert on the fields they
    // pick; typing every Kubernetes object there would only restate the assertions.
    files: ['apps/deploy-e2e/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
