export * from './lib/storage-provider';
export * from './lib/storage-error';
export * from './lib/storage-keys';
export * from './lib/disk-storage-provider';
export * from './lib/memory-storage-provider';
export * from './lib/s3-storage-provider';
export * from './lib/azure-blob-storage-provider';
export * from './lib/temp-files';
