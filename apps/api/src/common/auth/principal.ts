/** Who is acting. Security (issue 3) fills in real users and keys; every service takes one. */
export interface Principal {
  kind: 'anonymous' | 'user' | 'api-key';
  name: string;
  userId?: number;
}

export const ANONYMOUS: Principal = { kind: 'anonymous', name: 'Anonymous' };
