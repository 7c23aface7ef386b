// `npm run lint`, run by `npm test` after the type check: ESLint's and
// typescript-eslint's recommended rules, and a few more that catch bugs, on the
// TypeScript of services/, test/ and bench/. Syntax only (no
// parserOptions.project), so it stays fast; tsc does the type checking.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  globalIgnores([
    '**/node_modules/',
    '**/.vidgate/',
    '**/dist/',
    'bench/results/',
    // AssemblyScript, compiled by asc (`npm run build:wasm`), not TypeScript for tsc.
    'services/common/wasm/',
    // Plain JavaScript for njs (nginx/njs, test/njs) and the browser (nginx/web), not Node.
    'nginx/',
    'test/njs/',
  ]),
  {
    files: ['services/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'vitest.config.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    rules: {
      // `_name` marks what is unused on purpose (Express's 4-argument error
      // handler); `const { a, ...rest } = o` is how the code drops a key.
      '@typescript-eslint/no-unused-vars': ['error', {
        argsIgnorePattern: '^_',
        varsIgnorePattern: '^_',
        caughtErrorsIgnorePattern: '^_',
        ignoreRestSiblings: true,
      }],
      // Control characters in a regex are on purpose here (upload file names, the HMAC batch's ASCII check).
      'no-control-regex': 'off',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-template-curly-in-string': 'error',
      'no-self-compare': 'error',
      'no-unreachable-loop': 'error',
      // `import type` beside a value import from the same module is the style (verbatimModuleSyntax).
      'no-duplicate-imports': ['error', { allowSeparateTypeImports: true }],
    },
  },
  {
    // Tests and benchmarks read JSON bodies they assert on as `any` (test/support/uploads.ts).
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
