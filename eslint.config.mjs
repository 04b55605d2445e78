import nx from '@nx/eslint-plugin';

/** `@nestjs/common` exports that carry a request or a response (route-parameter decorators and friends). */
const REQUEST_DECORATORS = [
  'Req',
  'Res',
  'Request',
  'Response',
  'Next',
  'Body',
  'Query',
  'Param',
  'Headers',
  'Header',
  'Ip',
  'HostParam',
  'Session',
  'UploadedFile',
  'UploadedFiles',
  'HttpCode',
  'Redirect',
  'StreamableFile',
];

/** TypeORM's query APIs: whoever holds one of these can run SQL on any table. */
const TYPEORM_QUERY_APIS = [
  'DataSource',
  'EntityManager',
  'Repository',
  'TreeRepository',
  'MongoRepository',
  'QueryRunner',
  'QueryBuilder',
  'SelectQueryBuilder',
  'InsertQueryBuilder',
  'UpdateQueryBuilder',
  'DeleteQueryBuilder',
  'SoftDeleteQueryBuilder',
  'RelationQueryBuilder',
  'Brackets',
  'NotBrackets',
];

/**
 * Type-aware rules for the server side (apps/api with its tests, libs/api/storage): a codebase full of
 * promises and streams, where an un-awaited promise is an unhandled rejection or a race. `files` are
 * relative to the config that is loaded: the root one (`npx eslint apps/api/...`) or a project's
 * (`nx lint api` runs from apps/api), hence a function. The Angular app and web-e2e do not use it.
 */
export function typeCheckedServerConfig(files) {
  return [
    {
      files,
      languageOptions: {
        parserOptions: {
          // Each file is checked with the tsconfig that owns it (tsconfig.app/lib.json or tsconfig.spec.json,
          // found through the project's solution-style tsconfig.json).
          projectService: true,
          tsconfigRootDir: import.meta.dirname,
        },
      },
      rules: {
        // A promise nobody awaits: its rejection is unhandled (Node stops the process) and its work races
        // whatever comes next. Fire-and-forget is written `void p` with the rejection caught.
        '@typescript-eslint/no-floating-promises': 'error',
        // A promise where a void callback is expected (event listeners, forEach, stream callbacks): nobody
        // waits for it or sees its rejection.
        '@typescript-eslint/no-misused-promises': 'error',
        '@typescript-eslint/await-thenable': 'error',
        // `return promise` inside try/catch/finally skips the catch and runs the finally too early.
        '@typescript-eslint/return-await': ['error', 'in-try-catch'],
        '@typescript-eslint/only-throw-error': 'error',
        // A switch over a union or an enum without a default names every member, so that adding one
        // (a storage error code, a cache header type) is a lint error where it must be handled. A
        // `default:` is an explicit catch-all and counts as exhaustive.
        '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
        '@typescript-eslint/no-for-in-array': 'error',
        '@typescript-eslint/no-array-delete': 'error',
      },
    },
  ];
}

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  {
    ignores: ['**/dist', '**/out-tsc'],
  },
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.js', '**/*.jsx'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          allow: ['^.*/eslint(\\.base)?\\.config\\.[cm]?[jt]s$'],
          depConstraints: [
            { sourceTag: 'scope:web', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:api', onlyDependOnLibsWithTags: ['scope:shared', 'scope:api'] },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.cts', '**/*.mts', '**/*.js', '**/*.jsx', '**/*.cjs', '**/*.mjs'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['warn', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // Layering (ARCHITECTURE.md §1, §2, §7). The file patterns start with `**/` so that they match both
  // when ESLint runs from the workspace root (`npx eslint apps/api/...`) and from a project's root
  // (`nx lint api`, which loads apps/api/eslint.config.mjs on top of this one).
  {
    // A service takes typed inputs and throws coded errors: every protocol (ProGet /endpoints,
    // WebDAV, share links, the console's /api) calls it, so it never sees a request or a response.
    files: ['**/modules/**/*.service.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'express', message: 'HTTP stays at the edge: a service takes typed values, not Express types.' },
            { name: '@nestjs/platform-express', message: 'HTTP stays at the edge (controllers, common/http).' },
            { name: 'node:http', message: 'HTTP stays at the edge (controllers, common/http).' },
            { name: 'http', message: 'HTTP stays at the edge (controllers, common/http).' },
            {
              name: '@nestjs/common',
              importNames: REQUEST_DECORATORS,
              message: 'Request decorators and HTTP types belong to controllers: a service takes typed arguments.',
            },
          ],
        },
      ],
    },
  },
  {
    // One owner per table: only a module's repository (and database/: the DataSource, migrations,
    // the unit of work) runs queries; services ask a repository or another module's service. Entity
    // decorators (`*.entity.ts`) and module wiring (TypeOrmModule.forFeature) stay allowed.
    files: ['**/*.ts'],
    ignores: [
      '**/*.repository.ts',
      '**/database/**',
      '**/migrations/**',
      // Tests set up and inspect the database directly.
      '**/*.spec.ts',
      '**/*.int-spec.ts',
      '**/*.e2e-spec.ts',
      '**/test/**',
      '**/testing/**',
    ],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'typeorm',
              importNames: TYPEORM_QUERY_APIS,
              message: "Queries live in the owning module's *.repository.ts (transactions: database/).",
            },
            {
              name: '@nestjs/typeorm',
              importNames: ['InjectRepository', 'InjectDataSource', 'InjectEntityManager', 'getRepositoryToken'],
              message: "Queries live in the owning module's *.repository.ts (transactions: database/).",
            },
          ],
          patterns: [
            {
              group: ['typeorm/*'],
              message: "Queries live in the owning module's *.repository.ts (transactions: database/).",
            },
          ],
        },
      ],
    },
  },
  {
    // The console's core (shell, auth, http) sits under the features: features import core, never
    // the other way round. What core needs from a feature is placed by the app root (app.ts,
    // app.routes.ts, app.config.ts) or moves to core/ or shared/.
    files: ['**/app/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '(^|/)features(/|$)', message: 'core/ must not import from features/ (see app.ts).' }] },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ImportExpression[source.value=/(^|\\/)features(\\/|$)/]',
          message: 'core/ must not import from features/ (see app.ts).',
        },
      ],
    },
  },
  // When ESLint runs from the workspace root; `nx lint api|storage` gets the same from the project's config.
  ...typeCheckedServerConfig(['apps/api/**/*.{ts,cts}', 'libs/api/storage/**/*.{ts,cts}']),
];
