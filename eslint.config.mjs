import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'coverage/**', 'shared/core/generated/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // The console's script runs in the browser (a classic script, no modules).
    files: ['console/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: Object.fromEntries(
        ['window', 'document', 'location', 'history', 'sessionStorage', 'fetch', 'URL', 'Node', 'setTimeout'].map((g) => [g, 'readonly']),
      ),
    },
  },
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // The emulator holds the product to the docs; it must never import the product's own tables.
    files: ['emulator/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/shared/**', '**/functions/**', '**/cli/**', '**/scripts/**'], message: 'emulator/ must not import the product (write the emulator\'s own copy from the docs).' },
          ],
        },
      ],
    },
  },
);
