// Lint rules for jalad: typescript-eslint's recommended set, formatting left to Prettier.
// src/ never prints (only bin/ talks to the terminal); see docs/architecture.md.
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');
const prettier = require('eslint-config-prettier');

module.exports = tseslint.config(
  // wasm/: AssemblyScript sources (decorators on functions, which the TypeScript parser rejects),
  // compiled by `npm run build:wasm` and checked by a test that rebuilds them.
  { ignores: ['dist/**', '.build/**', 'node_modules/**', 'jalad-out/**', 'coverage/**', 'wasm/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: {
      globals: {
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        process: 'readonly',
        console: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  { files: ['src/**/*.ts'], rules: { 'no-console': 'error' } },
  // Size limits (docs/architecture.md#other-rules-the-checks-hold): lines over 140 characters anywhere,
  // functions over 80 lines in src/ and bin/ unless an eslint-disable comment says why after "--".
  { files: ['**/*.ts'], rules: { 'max-len': ['error', { code: 140 }] } },
  { files: ['src/**/*.ts', 'bin/**/*.ts'], rules: { 'max-lines-per-function': ['error', { max: 80 }] } },
);
