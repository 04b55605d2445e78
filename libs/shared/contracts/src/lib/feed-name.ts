/** Feed (asset directory) names: spec §1. */
export const FEED_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export function isValidFeedName(name: string): boolean {
  return FEED_NAME_PATTERN.test(name);
}
