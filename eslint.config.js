import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'cdk.out/', '.baton/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // Persisted state is plain JSON, so records keyed by ids are deleted from by key.
      '@typescript-eslint/no-dynamic-delete': 'off',
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': [
        'error',
        {
          selector: 'TSEnumDeclaration',
          message: 'Use an `as const` object instead of an enum.',
        },
      ],
    },
  },
  {
    files: ['lambdas/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@aws-sdk/*', 'node:*', 'fs', 'net', 'http', 'https', 'child_process'],
              message: 'The engine is pure: no I/O.',
            },
            {
              group: [
                '../runtime/*',
                '../aws/*',
                '../orchestrator/*',
                '../workers/*',
                // The reducer's own folder (engine/decide/) is one level deeper.
                '../../runtime/*',
                '../../aws/*',
                '../../orchestrator/*',
                '../../workers/*',
              ],
              message: 'The engine imports nothing outside itself.',
            },
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Time enters the engine through env.now.' },
        { object: 'Math', property: 'random', message: 'Randomness enters the engine through env.seed.' },
      ],
    },
  },
  {
    // The console runs in the browser (local/console/tsconfig.json checks it without Node's types).
    files: ['local/console/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', 'net', 'http', 'https', 'child_process', 'path', 'url', 'os'],
              message: 'The console runs in the browser: import only pure modules.',
            },
          ],
        },
      ],
    },
  },
);
