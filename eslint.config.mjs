import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdktf.out/', 'dist/', '.tmp/', 'test/stacks/__snapshots__/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // Provider classes come from submodules; the package index costs seconds and half a gigabyte.
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^@cdktf/provider-[a-z-]+(/lib)?$', message: 'import from @cdktf/provider-<name>/lib/<resource>' }] },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['scripts/bench/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { process: 'readonly' } },
  },
  {
    files: ['scripts/*.mjs'],
    languageOptions: { globals: { process: 'readonly' } },
  },
);
