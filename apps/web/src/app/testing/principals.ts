import type { CurrentPrincipal } from '@stockroom/contracts';

/** Answers of GET /api/security/me for specs. */
export const ADMIN: CurrentPrincipal = {
  authenticated: true,
  userName: 'Admin',
  displayName: 'Administrator',
  credential: 'session',
  privileges: ['Admin_ConfigureProGet'] as CurrentPrincipal['privileges'],
};

export const ANONYMOUS_ME: CurrentPrincipal = {
  authenticated: false,
  userName: null,
  displayName: 'Anonymous',
  credential: 'anonymous',
  privileges: [],
};

export const UNAUTHORIZED = { status: 401, statusText: 'Unauthorized' };
