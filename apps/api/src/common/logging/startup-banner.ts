import type { AddressInfo } from 'node:net';

/** What the start banner shows. */
export interface BannerInfo {
  version: string;
  /** Where this process listens, as a URL (the port the OS gave for PORT=0). */
  listening: string;
  /** STOCKROOM_BASE_URL, when set: the address users are given. */
  publicUrl?: string;
  dataDir: string;
  adminUser: string;
  /** Created at this start: with a random password (shown) or the one from STOCKROOM_ADMIN_PASSWORD. */
  admin: { created: true; generatedPassword?: string } | { created: false };
}

/** The URL of a listening address; wildcard addresses are shown as `localhost` (what a browser opens). */
export function listeningUrl(address: AddressInfo | string | null, configuredHost: string): string {
  if (address === null || typeof address === 'string') return `http://${configuredHost}`;
  const wildcard = address.address === '0.0.0.0' || address.address === '::';
  const host = wildcard ? 'localhost' : address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/**
 * The start banner: a multi-line message (boxed by the text log format, one structured entry in
 * JSON) with its fields. The Admin password is in it only when this start generated it.
 */
export function startupBanner(info: BannerInfo): { message: string; fields: Record<string, unknown> } {
  const url = info.publicUrl ?? info.listening;
  const lines = [`Stockroom ${info.version} is running at ${url}`];
  if (info.publicUrl) lines.push(`Listening on:  ${info.listening}`);
  lines.push(
    `Console:       ${url}/`,
    `Asset API:     ${url}/endpoints/{directory}/…`,
    `Data folder:   ${info.dataDir}`,
  );
  const fields: Record<string, unknown> = {
    event: 'ready',
    url,
    listening: info.listening,
    dataDir: info.dataDir,
    adminUser: info.adminUser,
    firstStart: info.admin.created,
  };
  if (info.admin.created && info.admin.generatedPassword) {
    lines.push(
      '',
      `Created user "${info.adminUser}" with password: ${info.admin.generatedPassword}`,
      'It is shown only this once: sign in and change it',
      '(console: your name ▸ Change password).',
    );
    fields['adminPassword'] = info.admin.generatedPassword;
  } else if (info.admin.created) {
    lines.push('', `Sign in as "${info.adminUser}" with the password from STOCKROOM_ADMIN_PASSWORD.`);
  } else {
    lines.push(
      '',
      `Sign in as "${info.adminUser}" (or your own user) with the password printed at`,
      'the first start, or the STOCKROOM_ADMIN_PASSWORD set then.',
      'Scripts: curl -u user:password, or an API key (X-ApiKey header).',
    );
  }
  return { message: lines.join('\n'), fields };
}
