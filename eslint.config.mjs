import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'out/', 'node_modules/', '.bench/', '.fuzz/', 'example/', '**/*.js', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // In the language server stdout is the protocol: nothing may print to it.
    files: ['server/src/**/*.ts', 'shared/src/**/*.ts'],
    ignores: ['server/src/cli/**', 'server/src/cli.ts'],
    rules: { 'no-console': 'error' },
  },
);
