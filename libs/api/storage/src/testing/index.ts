export * from './storage-contract';
