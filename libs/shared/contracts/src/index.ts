export * from './lib/asset-path';
export * from './lib/asset-item';
export * from './lib/feed';
export * from './lib/feed-name';
export * from './lib/error-codes';
export * from './lib/privileges';
export * from './lib/security';
export * from './lib/storage';
