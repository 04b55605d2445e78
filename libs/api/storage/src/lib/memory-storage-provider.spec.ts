import { describeStorageProviderContract } from '../testing';
import { MemoryStorageProvider } from './memory-storage-provider';

describeStorageProviderContract('memory', async () => ({
  provider: new MemoryStorageProvider(),
  cleanup: async () => undefined,
}));
