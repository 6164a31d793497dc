import nx from '@nx/eslint-plugin';

/** Server-only packages: the node engine must stay small and free of them (DESIGN.md, footprint). */
const SERVER_ONLY = [
  'mongoose',
  'bullmq',
  'ioredis',
  '@nestjs/*',
  'nestjs-pino',
  '@grpc/*',
  'express',
  '@swc/*',
];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  { ignores: ['**/dist', '**/out-tsc', '**/coverage', 'libs/contracts/src/generated/**'] },
  {
    files: ['**/*.ts', '**/*.js', '**/*.cts', '**/*.mjs'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          allow: ['^.*/eslint(\\.base)?\\.config\\.[cm]?[jt]s$'],
          depConstraints: [
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            // scope:server = Nest building blocks shared by root and cluster; never the node engine.
            {
              sourceTag: 'scope:server',
              onlyDependOnLibsWithTags: ['scope:server', 'scope:shared'],
            },
            {
              sourceTag: 'scope:root',
              onlyDependOnLibsWithTags: ['scope:root', 'scope:server', 'scope:shared'],
            },
            {
              sourceTag: 'scope:cluster',
              onlyDependOnLibsWithTags: ['scope:cluster', 'scope:server', 'scope:shared'],
            },
            {
              sourceTag: 'scope:node',
              onlyDependOnLibsWithTags: ['scope:node', 'scope:shared'],
              bannedExternalImports: SERVER_ONLY,
            },
            {
              sourceTag: 'scope:e2e',
              onlyDependOnLibsWithTags: [
                'scope:shared',
                'scope:server',
                'scope:root',
                'scope:cluster',
                'scope:node',
              ],
            },
            // Contracts are imported by the node engine, so they must not drag server packages in.
            { sourceTag: 'type:contracts', bannedExternalImports: SERVER_ONLY },
          ],
        },
      ],
      // Config classes must annotate initialised properties (`PORT: number = 10000`): the
      // annotation is what emits the design:type metadata loadConfig converts env strings with.
      '@typescript-eslint/no-inferrable-types': ['error', { ignoreProperties: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
];
