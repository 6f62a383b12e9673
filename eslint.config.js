// ESLint flat config: typescript-eslint's recommended rules plus the type-aware ones that catch money-losing
// mistakes in async code (a promise nobody awaits, a promise passed where a callback is expected).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'output/', 'bench/.data/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: { allowDefaultProject: ['*.js', 'vitest.config.ts', 'scripts/*.mjs', 'bin/*.js', 'samples/*.ts'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-console': 'error',
    },
  },
  {
    // Tests and their helpers read provider answers and summaries freely: the shapes are what they assert.
    files: ['**/*.test.ts', 'test/**', 'src/**/test-support/**', 'src/**/test-support.ts', 'src/simulator/sim-test-client.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Benchmarks and scripts print their figures to a terminal.
    files: ['bench/**', 'scripts/**', 'samples/**'],
    rules: { 'no-console': 'off' },
  },
);
