import { isActiveMediaType, mustBeAttachment } from './content-safety';
import { consoleContentSecurityPolicy } from './security-headers';

describe('isActiveMediaType', () => {
  it.each([
    'text/html',
    'TEXT/HTML; charset=UTF-8',
    ' text/html ;charset=utf-8',
    'application/xhtml+xml',
    'image/svg+xml',
    'text/xml',
    'application/xml',
    'application/rss+xml',
    'application/vnd.foo+xml; x=y',
    'text/xsl',
    'text/javascript',
    'application/javascript',
    'application/x-javascript',
    'text/ecmascript',
    'application/ecmascript',
    'text/jscript',
    'multipart/x-mixed-replace; boundary=b',
    'text/x-html',
    '',
    'html',
    'text/',
    '/html',
    'text/html/x',
    'text html',
  ])('%j is active (an attachment unless inline is allowed)', (type) => {
    expect(isActiveMediaType(type)).toBe(true);
  });

  it.each([
    'text/plain',
    'text/plain; charset=utf-8',
    'application/octet-stream',
    'application/json',
    'application/pdf',
    'image/png',
    'image/jpeg',
    'video/mp4',
    'text/csv',
    'text/css',
    'application/zip',
    'application/x-msdownload',
  ])('%j is not active', (type) => {
    expect(isActiveMediaType(type)).toBe(false);
  });

  it('null and undefined are treated as unknown, so active', () => {
    expect(isActiveMediaType(null)).toBe(true);
    expect(isActiveMediaType(undefined)).toBe(true);
  });
});

describe('mustBeAttachment', () => {
  it('asked for, or active without the directory allowing inline', () => {
    expect(mustBeAttachment('image/png', { asked: true, inlineAllowed: true })).toBe(true);
    expect(mustBeAttachment('text/html', { asked: false, inlineAllowed: false })).toBe(true);
    expect(mustBeAttachment('text/html', { asked: false, inlineAllowed: true })).toBe(false);
    expect(mustBeAttachment('image/png', { asked: false, inlineAllowed: false })).toBe(false);
  });
});

describe('consoleContentSecurityPolicy', () => {
  it('allows no inline script and no framing', () => {
    const csp = consoleContentSecurityPolicy();
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe/);
  });

  it('lets images, media and previews come from a separate content origin', () => {
    const csp = consoleContentSecurityPolicy({ contentOrigin: 'https://files.example.com/some/path' });
    expect(csp).toContain("img-src 'self' data: blob: https://files.example.com;");
    expect(csp).toContain("connect-src 'self' https://files.example.com;");
    expect(csp).toMatch(/script-src 'self';/);
  });
});
