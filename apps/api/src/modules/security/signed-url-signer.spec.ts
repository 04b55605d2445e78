import { randomBytes } from 'node:crypto';
import { SignedTarget, SignedUrlSigner } from './signed-url-signer';

describe('SignedUrlSigner', () => {
  const key = randomBytes(32);
  const signer = new SignedUrlSigner(key);
  const target: SignedTarget = { feed: 'Tools', path: 'bin/setup.exe', version: 'a'.repeat(40) };
  const now = 1_800_000_000;
  const expires = now + 300;
  const signature = signer.sign(target, expires);

  it('accepts its own signature until it expires', () => {
    expect(signer.verify(target, String(expires), signature, now)).toEqual({ ok: true });
    expect(signer.verify(target, String(expires), signature, expires - 1)).toEqual({ ok: true });
    expect(signer.verify(target, String(expires), signature, expires)).toEqual({ ok: false, reason: 'expired' });
  });

  it('compares names case-insensitively, as the tree does', () => {
    expect(signer.verify({ ...target, feed: 'TOOLS', path: 'BIN/Setup.EXE' }, String(expires), signature, now)).toEqual(
      {
        ok: true,
      },
    );
  });

  it('refuses a tampered path, directory or expiry', () => {
    for (const other of [
      { ...target, path: 'bin/setup.ex' },
      { ...target, path: 'bin/other.exe' },
      { ...target, path: 'bin' },
      { ...target, feed: 'Tools2' },
    ]) {
      expect(signer.verify(other, String(expires), signature, now)).toEqual({ ok: false, reason: 'signature' });
    }
    expect(signer.verify(target, String(expires + 3600), signature, now)).toEqual({ ok: false, reason: 'signature' });
  });

  it('refuses another version of the file', () => {
    expect(signer.verify({ ...target, version: 'b'.repeat(40) }, String(expires), signature, now)).toEqual({
      ok: false,
      reason: 'signature',
    });
  });

  it("refuses another installation's signature", () => {
    const other = new SignedUrlSigner(randomBytes(32));
    expect(other.verify(target, String(expires), signature, now)).toEqual({ ok: false, reason: 'signature' });
  });

  it('refuses malformed values (the same number spelled otherwise, a truncated signature)', () => {
    for (const e of ['', '0', `0${expires}`, `${expires}.0`, '3e9', ' 1']) {
      expect(signer.verify(target, e, signature, now)).toEqual({ ok: false, reason: 'malformed' });
    }
    expect(signer.verify(target, String(expires), signature.slice(1), now)).toEqual({ ok: false, reason: 'malformed' });
    expect(signer.verify(target, String(expires), `${signature.slice(0, 42)}=`, now)).toEqual({
      ok: false,
      reason: 'malformed',
    });
  });

  it('refuses another spelling of the same signature (unused bits of the last character)', () => {
    const last = signature.at(-1) as string;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sibling = alphabet[alphabet.indexOf(last) ^ 1];
    expect(Buffer.from(signature.slice(0, 42) + sibling, 'base64url')).toEqual(Buffer.from(signature, 'base64url'));
    expect(signer.verify(target, String(expires), signature.slice(0, 42) + sibling, now)).toEqual({
      ok: false,
      reason: 'signature',
    });
  });

  it('a field cannot spill into the next (no separator ambiguity)', () => {
    const a = signer.sign({ feed: 'a', path: 'b/c', version: 'v' }, expires);
    expect(signer.verify({ feed: 'a/b', path: 'c', version: 'v' }, String(expires), a, now).ok).toBe(false);
  });

  it('needs a key of at least 32 bytes', () => {
    expect(() => new SignedUrlSigner(randomBytes(16))).toThrow();
  });
});
