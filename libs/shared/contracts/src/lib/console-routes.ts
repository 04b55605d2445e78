/**
 * The console's top-level paths: the first URL segment of each of its routes (`/` is the directory
 * list). The server answers a browser's deep link with the console's index.html for these only;
 * every other unknown path gets the API's 404, so a new top-level route of the server (`/dav`,
 * `/s`, `/metrics`) never turns into the console page. The console's route table is checked
 * against this list (apps/web/src/app/app.routes.spec.ts).
 */
export const CONSOLE_ROOTS = [
  /** `/sign-in?returnUrl=…` */
  'sign-in',
  /** `/feeds/{feed}/browse/…` (`?upstream=true`: the connector's upstream), `/feeds/{feed}/files/…`, `/feeds/{feed}/manage/{tab}` */
  'feeds',
  /** `/admin/{users|groups|roles|privileges|api-keys|audit|retention|replication|webhooks}` */
  'admin',
] as const;

export type ConsoleRoot = (typeof CONSOLE_ROOTS)[number];

/** The path (`/`, `/feeds/x/browse/a`, …; not decoded) is one of the console's pages. */
export function isConsolePath(path: string): boolean {
  if (path === '/' || path === '') return true;
  const first = path.replace(/^\//, '').split('/')[0];
  return (CONSOLE_ROOTS as readonly string[]).includes(first);
}
