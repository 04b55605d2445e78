import { pathOnly } from './request-logging';

describe('pathOnly (what request logs show of a URL)', () => {
  it('drops the query string', () => {
    expect(pathOnly('/endpoints/d/content/a.txt?signature=secret&expires=1')).toBe('/endpoints/d/content/a.txt');
    expect(pathOnly(undefined)).toBe('');
  });

  it("hides a share link's token, whatever follows it", () => {
    const token = 'A'.repeat(43);
    expect(pathOnly(`/s/${token}`)).toBe('/s/***');
    expect(pathOnly(`/s/${token}/sub/file.txt?format=zip`)).toBe('/s/***/sub/file.txt');
    expect(pathOnly(`/S/${token}/`)).toBe('/s/***/');
    expect(pathOnly('/sign-in')).toBe('/sign-in');
    expect(pathOnly('/endpoints/s/content/x')).toBe('/endpoints/s/content/x');
  });
});
