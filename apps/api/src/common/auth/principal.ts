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
  kind: 'anonymous' | 'user' | 'api-key';
  /** The user's name, or a key's label for system and feed keys. */
  name: string;
  userId?: number;
  key?: { id: number; grant?: KeyGrant };
  credential: CredentialKind;
  address: string;
  sessionId?: number;
}

export function anonymous(address: string): Principal {
  return { kind: 'anonymous', name: 'Anonymous', credential: 'anonymous', address };
}
