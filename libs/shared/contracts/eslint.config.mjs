import baseConfig from '../../../eslint.config.mjs';

export default [
  ...baseConfig,
  {
    // Contracts are shared with the browser: no framework, ORM or Node built-ins.
    files: ['**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', 'path', 'crypto', 'stream', 'os', 'http'],
              message: 'contracts run in the browser too',
            },
            { group: ['@nestjs/*', 'typeorm', 'typeorm/*', '@angular/*'], message: 'contracts stay framework-free' },
          ],
        },
      ],
    },
  },
];
