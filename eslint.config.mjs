// @ts-check
import js from '@eslint/js';
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

// Workflow code and what it uses run in Temporal's deterministic sandbox: no Node built-ins there.
const nodeBuiltins = builtinModules.flatMap((m) => [m, `node:${m}`]);

/** Relative import patterns that reach into `folder` from anywhere in the tree. */
const into = (...folders) =>
  folders.flatMap((f) => ['..', '../..', '../../..', '../../../..'].map((up) => `${up}/${f}/**`));

const FOLDERS = [
  'im',
  'config',
  'core',
  'coordination',
  'workflows',
  'formats',
  'activities',
  'connection',
  'client',
  'workers',
  'cli',
  'emulator',
];
/** The folders of ours that a folder must not import: all but `allowed` (itself among them). */
const allBut = (...allowed) => FOLDERS.filter((f) => !allowed.includes(f));

const LAYERS = {
  // folder: [folders it must not import, extra restrictions]
  'im/*.ts': { deny: allBut('im'), pure: true, denyLocal: ['./node/**'] },
  'im/node/**/*.ts': { deny: allBut('im') },
  'config/**/*.ts': { deny: allBut('im', 'config') },
  // The coordinator's rules are pure and stand below core/ (its contracts name their types); the
  // holder every writer leases through stands with the activities.
  'coordination/rules/**/*.ts': { deny: allBut('coordination'), denyLocal: ['../holder/**'], pure: true },
  'coordination/holder/**/*.ts': { deny: allBut('im', 'core', 'coordination') },
  'core/**/*.ts': {
    deny: [...allBut('im', 'core', 'coordination'), 'coordination/holder', 'im/node'],
    pure: true,
  },
  'workflows/**/*.ts': {
    deny: [...allBut('im', 'core', 'coordination', 'workflows'), 'coordination/holder', 'im/node'],
    pure: true,
  },
  // Source files and reports, read and written by the activities and by the CLI.
  'formats/**/*.ts': { deny: allBut('im', 'core', 'formats') },
  'activities/**/*.ts': { deny: allBut('im', 'core', 'coordination', 'formats', 'activities') },
  // The Temporal connection (settings, TLS, API key, payload codec) the client and the worker share.
  'connection/**/*.ts': { deny: allBut('im', 'config', 'connection') },
  'client/**/*.ts': {
    deny: allBut('im', 'config', 'core', 'workflows', 'connection', 'client'),
    typesOnly: ['workflows'],
  },
  'workers/**/*.ts': { deny: ['client', 'cli', 'emulator'] },
  'emulator/**/*.ts': { deny: allBut('im', 'emulator') },
};

function layerRules() {
  return Object.entries(LAYERS).map(([files, rule]) => ({
    files: [files],
    ...(files === 'im/*.ts' && { ignores: ['im/index.ts'] }),
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          ...(rule.pure && {
            paths: nodeBuiltins.map((name) => ({
              name,
              message:
                "This folder runs in Temporal's workflow sandbox: no Node built-ins (do I/O in an activity).",
            })),
          }),
          patterns: [
            {
              group: [...into(...rule.deny), ...(rule.denyLocal ?? [])],
              message: `${files.split('/')[0]}/ may only import the layers below it (docs/architecture.md).`,
            },
            ...(rule.typesOnly
              ? [
                  {
                    group: into(...rule.typesOnly),
                    allowTypeImports: true,
                    message: `${files.split('/')[0]}/ may import only types from ${rule.typesOnly.join(', ')}/.`,
                  },
                ]
              : []),
          ],
        },
      ],
    },
  }));
}

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.cache/', '.data/', 'test-output/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          // node:test's describe/it return promises the runner itself tracks.
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
    },
  },
  // Layers (docs/architecture.md): a folder imports only the folders under it there (cli on top,
  // im at the bottom); workers/ and client/ stand side by side on connection/, and the emulator
  // sits on im/. One rule per folder.
  ...layerRules(),
  {
    files: ['**/*.mjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { process: 'readonly', console: 'readonly' },
    },
  },
);
