// The linter of the TypeScript: eslint's and typescript-eslint's recommended rules, type-aware,
// with the few habits of this code written as rules. `npm test` runs it beside tsc and vitest.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const hostLibraries = ['@jupyterlab/*', '@lumino/*', '@anywidget/*', 'vscode-notebook-renderer'];

export default tseslint.config(
  { ignores: ['lib/', 'dist/', 'node_modules/', 'py_src/', 'tests/artifacts/', 'js_src/vscode/build.mjs'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname }
    },
    rules: {
      eqeqeq: ['error', 'always'],
      'no-console': 'error',
      'prefer-const': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-import-type-side-effects': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      // Views return plain objects of closures, which hosts pass around by member, and Lumino's
      // signals take a method with its `this` (`signal.connect(this.onChange, this)`): neither loses `this`.
      '@typescript-eslint/unbound-method': 'off'
    }
  },
  {
    // JupyterLab's own convention, which the extension follows: command ids in a CommandIDs namespace.
    files: ['js_src/lab/commands.ts'],
    rules: { '@typescript-eslint/no-namespace': 'off' }
  },
  {
    // Views are host-agnostic, and core has no DOM: neither imports a host or its libraries.
    files: ['js_src/core/**/*.ts', 'js_src/views/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: hostLibraries, message: 'core and views are host-agnostic: a host (widget, lab, page, vscode) adapts them.' },
          { group: ['**/widget/*', '**/lab/*', '**/page/*', '**/vscode/*'], message: 'core and views import no host.' }
        ]
      }]
    }
  },
  {
    files: ['js_src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: hostLibraries, message: 'core is host-agnostic and has no DOM.' },
          { group: ['**/views/*', '**/views/**', '**/widget/*', '**/lab/*', '**/page/*', '**/vscode/*'], message: 'core imports only core.' }
        ]
      }]
    }
  },
  {
    files: ['tests/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' }
  }
);
