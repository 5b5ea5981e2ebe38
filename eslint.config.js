import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The dependency rule of ARCHITECTURE.md §2, one `no-restricted-imports` block per folder. An
 * import is matched as written (relative paths), so each rule names the folders a file may not
 * reach from where it sits. Later blocks replace earlier ones for the same files, so every block
 * carries all the restrictions of its folder.
 */
const NO_IO = {
  group: ['@aws-sdk/*', 'node:*', 'fs', 'net', 'http', 'https', 'child_process'],
  message: 'The engine is pure: no I/O.',
};
const NOT_TEST = { regex: '^(\\.\\./)+test/', message: 'Nothing outside test/ imports test/.' };
const NOT_DIST = {
  regex: '^(\\.\\./)+dist/',
  message: 'Import the built package by its name (`baton`), or the sources; never dist/ by path.',
};

/** `no-restricted-imports` with these patterns. */
function restrict(...patterns) {
  return { 'no-restricted-imports': ['error', { patterns }] };
}

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
    // Entry points (orchestrator/, definition-publisher/), the example workers, the public index:
    // they wire what is in lambdas/ and reach nothing outside it.
    files: ['lambdas/*/**/*.ts'],
    rules: restrict({ regex: '^\\.\\./\\.\\./', message: 'lambdas/ imports nothing outside lambdas/.' }),
  },
  {
    files: ['lambdas/*.ts'],
    rules: restrict({ regex: '^\\.\\./', message: 'lambdas/ imports nothing outside lambdas/.' }),
  },
  {
    files: ['lambdas/engine/*.ts'],
    rules: restrict(NO_IO, { regex: '^\\.\\./', message: 'The engine imports nothing outside itself.' }),
  },
  {
    // The reducer's own folder (engine/decide/) is one level deeper.
    files: ['lambdas/engine/*/**/*.ts'],
    rules: restrict(NO_IO, {
      regex: '^\\.\\./\\.\\./',
      message: 'The engine imports nothing outside itself.',
    }),
  },
  {
    files: ['lambdas/engine/**/*.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Time enters the engine through env.now.' },
        { object: 'Math', property: 'random', message: 'Randomness enters the engine through env.seed.' },
      ],
    },
  },
  {
    files: ['lambdas/contract/**/*.ts'],
    rules: restrict({
      regex: '^\\.\\./(?!engine/)',
      message: 'The contract imports at most the engine: every layer imports it.',
    }),
  },
  {
    files: ['lambdas/runtime/**/*.ts'],
    rules: restrict({
      regex: '^\\.\\./(?!engine/|contract/)',
      message: 'The runtime imports the engine and the contract only, and declares ports for the rest.',
    }),
  },
  {
    // A runtime module in its own folder (distributed-map/): the same rule, one level deeper.
    files: ['lambdas/runtime/*/**/*.ts'],
    rules: restrict({
      regex: '^\\.\\./\\.\\./(?!engine/|contract/)',
      message: 'The runtime imports the engine and the contract only, and declares ports for the rest.',
    }),
  },
  {
    files: ['lambdas/aws/**/*.ts'],
    rules: restrict({
      regex: '^\\.\\./(?!engine/|contract/|runtime/)',
      message: 'The AWS adapters import the engine, the contract and the runtime (the ports they implement).',
    }),
  },
  {
    files: ['lib/**/*.ts'],
    rules: restrict({
      regex: '^\\.\\./(?!lambdas/engine/|lambdas/contract/)',
      message:
        'lib/ (the CDK constructs) imports the engine and the contract only; Lambda code reaches it as a bundled entry (packageEntry), not an import.',
    }),
  },
  {
    files: ['local/**/*.ts', 'cli/**/*.ts', 'testing/**/*.ts'],
    rules: restrict(NOT_TEST, {
      regex: '^(\\.\\./)+(lib|bench)/',
      message:
        'local/, cli/ and testing/ may import lambdas/, not the CDK constructs (lib/) or the benchmarks.',
    }),
  },
  {
    // The emulators are AWS services, not Baton: they know nothing of workflows.
    files: ['local/emulators/**/*.ts'],
    rules: restrict(
      NOT_TEST,
      {
        regex: '^(\\.\\./)+(lib|bench)/',
        message: 'local/ may import lambdas/, not the CDK constructs (lib/) or the benchmarks.',
      },
      {
        regex: '^(\\.\\./)+lambdas/',
        message:
          'The emulators are AWS services: they do not import the engine, the runtime or the adapters.',
      },
    ),
  },
  {
    // The console runs in the browser (local/console/tsconfig.json checks it without Node's types).
    files: ['local/console/**/*.ts'],
    rules: restrict(
      NOT_TEST,
      {
        regex: '^(\\.\\./)+(lib|bench)/',
        message: 'local/ may import lambdas/, not the CDK constructs (lib/) or the benchmarks.',
      },
      {
        group: ['node:*', 'fs', 'net', 'http', 'https', 'child_process', 'path', 'url', 'os'],
        message: 'The console runs in the browser: import only pure modules.',
      },
    ),
  },
  {
    files: ['bench/**/*.ts'],
    rules: restrict(NOT_TEST, NOT_DIST),
  },
  {
    files: ['bin/**/*.ts', 'examples/**/*.ts', 'scripts/**/*.ts'],
    rules: restrict(NOT_TEST, NOT_DIST),
  },
);
