import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const PREFIX = 'enc:v1:';

/**
 * Encrypts storage secrets at rest (AES-256-GCM). The key comes from STOCKROOM_ENCRYPTION_KEY
 * (any string; hashed to 256 bits) or, when unset, from `<dataDir>/encryption.key`, generated
 * once. Several nodes must share the same key: set the variable on each, or share the data dir.
 */
export class StorageSecrets {
  private constructor(private readonly key: Buffer) {}

  static load(configuredKey: string | undefined, dataDir: string): StorageSecrets {
    if (configuredKey) return new StorageSecrets(createHash('sha256').update(configuredKey, 'utf8').digest());
    const file = join(dataDir, 'encryption.key');
    if (!existsSync(file)) {
      mkdirSync(dirname(file), { recursive: true });
      // 'wx': two nodes starting together on one data dir cannot both write a key.
      try {
        writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
    }
    return new StorageSecrets(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64'));
  }

  static isEncrypted(value: unknown): boolean {
    return typeof value === 'string' && value.startsWith(PREFIX);
  }

  encrypt(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${PREFIX}${iv.toString('base64')}:${cipher.getAuthTag().toString('base64')}:${data.toString('base64')}`;
  }

  decrypt(stored: string): string {
    if (!StorageSecrets.isEncrypted(stored)) return stored;
    const [iv, tag, data] = stored
      .slice(PREFIX.length)
      .split(':')
      .map((p) => Buffer.from(p, 'base64'));
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
    } catch {
      throw new Error(
        'A storage secret cannot be decrypted: STOCKROOM_ENCRYPTION_KEY (or data/encryption.key) differs from the one it was saved with.',
      );
    }
  }
}
