import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

// ---- The layer fence (issue 17) ------------------------------------------------------------
// Import sources are relative paths ("../engine/model/sample"), so each rule is a regex over the
// specifier: one or more "./" or "../" steps, then the folder the layer may not enter.
const up = String.raw`^(?:\.\.?/)+`;
const tfjs = {
  regex: '^@tensorflow/',
  message: 'tfjs belongs to the worker (src/engine), not here.',
};

/** The page (src/ui, src/state, src/main.tsx): only the worker protocol and the contract. */
const pageImports = [
  {
    regex: `${up}(?:engine|storage|cli|workers|bench|scripts)(?:/|$)`,
    message:
      'The page imports only src/contract/** and src/session/protocol.ts: run engine or storage work in the worker behind a protocol command, and move pure types/helpers into src/contract.',
  },
  {
    regex: `${up}session/(?!protocol$)`,
    message:
      'The page imports only src/session/protocol.ts from the session (pure types and helpers belong in src/contract).',
  },
  tfjs,
];

/** The engine: no session, page, storage or DOM-only code. */
const engineImports = [
  {
    regex: `${up}(?:session|state|ui|storage)(?:/|$)`,
    message:
      'The engine imports no session, state, ui or storage code (the session drives the engine, not the other way round).',
  },
  {
    regex: '^(?:react|react-dom|recharts)(?:/|$)',
    message: 'The engine is DOM-free: no React or charts.',
  },
];

/** The contract: pure; zod and itself only. */
const contractImports = [
  {
    regex: `${up}(?:engine|session|storage|state|ui|cli|workers)(?:/|$)`,
    message: 'src/contract is pure and imports nothing from engine, session, storage, ui or state.',
  },
  tfjs,
  {
    regex: '^(?:react|react-dom|recharts)(?:/|$)',
    message: 'src/contract is pure: no React or charts.',
  },
];

const restrict = (patterns) => ({
  '@typescript-eslint/no-restricted-imports': 'off',
  'no-restricted-imports': ['error', { patterns }],
});

export const layerFence = [
  {
    files: ['src/ui/**/*.{ts,tsx}', 'src/state/**/*.{ts,tsx}', 'src/main.tsx'],
    // Unit tests of the page build real students and tokenizers to check what the page shows.
    ignores: ['src/ui/**/*.test.ts', 'src/state/**/*.test.ts'],
    rules: restrict(pageImports),
  },
  {
    files: ['src/session/protocol.ts'],
    rules: restrict([
      {
        regex: `${up}(?!contract/)[^.]`,
        message:
          "The protocol names only the contract (src/contract/**): it is the page's view of the worker.",
      },
      tfjs,
    ]),
  },
  { files: ['src/engine/**/*.ts'], rules: restrict(engineImports) },
  { files: ['src/contract/**/*.ts'], rules: restrict(contractImports) },
];

export default tseslint.config(
  {
    ignores: [
      'dist',
      'node_modules',
      'test-results',
      'playwright-report',
      'runs',
      'out',
      '**/*.tmp.ts',
      'scratch', // local, git-ignored experiment scripts
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node, ...globals.worker } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-eval': 'error',
      'no-implied-eval': 'error',
      'no-new-func': 'error',
    },
  },
  {
    files: ['src/ui/**/*.tsx', 'src/**/*.tsx'],
    plugins: { 'react-hooks': reactHooks },
    rules: { ...reactHooks.configs.recommended.rules },
  },
  ...layerFence,
);
