import { MASKED_SECRET } from '@stockroom/contracts';
import { AppError } from '../../common/errors/app-error';
import { maskConnector, parseConnector } from './connector-settings';

const refusal = (raw: unknown): string => {
  try {
    parseConnector(raw);
  } catch (e) {
    if (e instanceof AppError) return e.message;
    throw e;
  }
  throw new Error('accepted');
};

describe('parseConnector', () => {
  it('completes a connector with the defaults; null removes it, absent keeps it', () => {
    expect(parseConnector({ url: 'https://files.example.org/releases', type: 'http' })).toEqual({
      url: 'https://files.example.org/releases/',
      type: 'http',
      cacheMinutes: 1440,
      negativeCacheMinutes: 5,
      timeoutSeconds: 30,
      offline: false,
    });
    expect(parseConnector(null)).toBeNull();
    expect(parseConnector(undefined)).toBeUndefined();
  });

  it('refuses what it cannot use, naming the field', () => {
    expect(refusal({ url: 'ftp://example.org/', type: 'http' })).toMatch(/http:\/\/ or https:\/\//);
    expect(refusal({ url: 'not a url', type: 'http' })).toMatch(/not a URL/);
    expect(refusal({ url: 'https://u:p@example.org/', type: 'http' })).toMatch(/must not hold credentials/);
    expect(refusal({ url: 'https://example.org/', type: 'svn' })).toMatch(/"connector.type"/);
    expect(refusal({ url: 'https://example.org/', cacheMinutes: 1.5 })).toMatch(/"connector.cacheMinutes"/);
    expect(refusal({ url: 'https://example.org/', timeoutSeconds: 0 })).toMatch(/"connector.timeoutSeconds"/);
    expect(refusal({ url: 'https://example.org/', offline: 'yes' })).toMatch(/"connector.offline"/);
    expect(refusal({ url: 'https://example.org/', password: 'x' })).toMatch(/needs a "connector.username"/);
    expect(refusal({ url: 'https://example.org/', apiKey: 'a\r\nX-Evil: 1' })).toMatch(/line breaks/);
    expect(refusal({ url: 'https://example.org/', proxy: 'x' })).toMatch(/"connector.proxy" is an unknown field/);
    expect(refusal(['https://example.org/'])).toMatch(/must be an object/);
  });

  it('masks secrets', () => {
    const parsed = parseConnector({
      url: 'https://example.org/',
      type: 'stockroom',
      username: 'u',
      password: 'p',
      apiKey: 'k',
    });
    expect(maskConnector(parsed as NonNullable<typeof parsed>)).toEqual(
      expect.objectContaining({ username: 'u', password: MASKED_SECRET, apiKey: MASKED_SECRET }),
    );
  });
});
