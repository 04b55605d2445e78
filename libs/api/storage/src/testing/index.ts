export * from './storage-contract';
export * from './s3rver';
export * from './azurite';
