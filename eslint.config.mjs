// Typed lint for the service's own code (src/, bench/, scripts/). The rules that matter most
// here are the typed ones: a promise nobody awaits loses its error, a switch over a union that
// misses a member silently does nothing, and an untyped query result lets a wrong column name
// through the compiler. Style is Prettier's job (npm run format:check), not ESLint's.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'native/**/build/**',
      'coverage/**',
      'model_registry/**',
      'src/dashboard/public/vendor/**',
    ],
  },
  {
    // The dashboard's own scripts: plain ES modules the browser loads as they are (no build step).
    // Untyped, so the recommended JavaScript rules only; the globals are the browser APIs they use.
    files: ['src/dashboard/public/**/*.js'],
    extends: [js.configs.recommended],
    languageOptions: {
      sourceType: 'module',
      globals: {
        window: 'readonly',
        document: 'readonly',
        location: 'readonly',
        localStorage: 'readonly',
        fetch: 'readonly',
        Node: 'readonly',
        URL: 'readonly',
        URLSearchParams: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
      },
    },
    rules: {
      // As in the TypeScript below: `_name` is deliberately unused (e.g. a property left out by a rest pattern).
      'no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // The scripts npm runs itself (start, postinstall, typeorm): CommonJS for Node.
    files: ['scripts/**/*.js'],
    extends: [js.configs.recommended],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        exports: 'writable',
        __dirname: 'readonly',
        process: 'readonly',
        console: 'readonly',
      },
    },
  },
  {
    files: ['src/**/*.ts', 'bench/**/*.ts', 'migrations/**/*.ts', 'test/**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      // Nest's decorators and TypeORM's entity lists are typed as Function; that is their API.
      '@typescript-eslint/no-unsafe-function-type': 'off',
      // `require` is how optional native packages (fused-rnn, onnxruntime-node, tfjs-node) load lazily.
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    // Tests may read loosely typed JSON bodies; the typed rules that guard production code paths
    // (floating promises, exhaustive switches) still apply to them.
    files: ['test/**/*.ts', 'src/**/*.spec.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
);
