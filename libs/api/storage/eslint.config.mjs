import baseConfig, { typeCheckedServerConfig } from '../../../eslint.config.mjs';

export default [
  ...baseConfig,
  ...typeCheckedServerConfig(['**/*.{ts,cts}']),
  {
    // The storage library is framework-free: it must stay usable outside Nest and TypeORM.
    files: ['**/*.ts', '**/*.js', '**/*.mjs', '**/*.cjs', '**/*.mts', '**/*.cts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@nestjs/*', 'typeorm', 'typeorm/*'],
              message: '@stockroom/storage is framework-free: no NestJS or TypeORM imports.',
            },
          ],
        },
      ],
    },
  },
];
