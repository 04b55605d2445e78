import type { CredentialKind, FeedKeyPermission, Privilege } from '@stockroom/contracts';

/** What an API key may do, when the caller is one (a personal key acts as its user instead). */
export type KeyGrant =
  | { type: 'system'; privileges: readonly Privilege[] }
  | { type: 'feed'; feedId: number; permissions: readonly FeedKeyPermission[] };

/**
 * Who is acting, made once per request by the auth guard; every service takes one. `userId` is
 * set for users and personal keys (whose privileges are their user's).
 */
export interface Principal {
  kind: 'anonymous' | 'user' | 'api-key' | 'signed-url';
  /** The user's name, or a key's label for system and feed keys. */
  name: string;
  userId?: number;
  key?: { id: number; grant?: KeyGrant };
  credential: CredentialKind;
  address: string;
  sessionId?: number;
  /** A signed download URL: allowed to GET or HEAD this one file (lower-case names), nothing else. */
  signedUrl?: SignedUrlGrant;
}

export interface SignedUrlGrant {
  feed: string;
  path: string;
  /** The file's content identity (SHA-1) the URL was made for. */
  version: string;
}

export function anonymous(address: string): Principal {
  return { kind: 'anonymous', name: 'Anonymous', credential: 'anonymous', address };
}

/**
 * Who wrote something, as stored (a 0-byte placeholder's owner): a user (also through a personal
 * key), else the key, else the kind ("anonymous" callers are one principal).
 */
export function principalKey(p: Principal): string {
  if (p.userId !== undefined) return `user:${p.userId}`;
  if (p.key) return `key:${p.key.id}`;
  return p.kind;
}
