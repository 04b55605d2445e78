export * from './storage-contract';
export * from './azurite';
