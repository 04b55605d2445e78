import { PasswordService } from './password.service';

describe('PasswordService', () => {
  const passwords = new PasswordService();

  it('stores argon2id hashes, never the password', async () => {
    const hash = await passwords.hash('correct horse');
    expect(hash).toMatch(/^\$argon2id\$/);
    expect(hash).not.toContain('correct horse');
    expect(await passwords.verify(hash, 'correct horse')).toBe(true);
    expect(await passwords.verify(hash, 'wrong horse')).toBe(false);
  });

  it('remembers a success only for that stored hash and password', async () => {
    const hash = await passwords.hash('s3cret-pass');
    expect(passwords.isCached(hash, 's3cret-pass')).toBe(false);
    await passwords.verify(hash, 's3cret-pass');
    expect(passwords.isCached(hash, 's3cret-pass')).toBe(true);
    expect(passwords.isCached(hash, 's3cret-pasS')).toBe(false);
    // A changed password is a new stored hash: the old success no longer counts.
    const changed = await passwords.hash('s3cret-pass');
    expect(passwords.isCached(changed, 's3cret-pass')).toBe(false);
  });

  it('never remembers a failure', async () => {
    const hash = await passwords.hash('right-one');
    await passwords.verify(hash, 'wrong-one');
    expect(passwords.isCached(hash, 'wrong-one')).toBe(false);
  });

  it('treats a corrupt stored hash as a failed check', async () => {
    expect(await passwords.verify('not-a-hash', 'x')).toBe(false);
  });
});
