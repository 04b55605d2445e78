import { startTestApp, TestApp } from '../support/test-app';
import { createFeed, endpoint } from '../support/fixtures';

describe('content links (spec §3: absolute URL, proxy headers only when trusted)', () => {
  const apps: TestApp[] = [];
  afterAll(() => Promise.all(apps.map((a) => a.close())));

  async function linkFrom(env: Record<string, string>, headers: Record<string, string> = {}): Promise<string> {
    const t = await startTestApp(env);
    apps.push(t);
    await createFeed(t, 'links');
    const ep = endpoint(t, 'links');
    await ep('content/a%20b/c.txt', { method: 'POST', body: Buffer.from('x') });
    const [item] = await (await ep('dir/a%20b', { headers })).json();
    return item.content;
  }

  const forwarded = { 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'assets.example.com' };

  it('uses STOCKROOM_BASE_URL when set', async () => {
    expect(await linkFrom({ STOCKROOM_BASE_URL: 'https://files.example.com/' }, forwarded)).toBe(
      'https://files.example.com/endpoints/links/content/a%20b/c.txt',
    );
  });

  it('honours X-Forwarded-Proto/Host only with STOCKROOM_TRUST_PROXY', async () => {
    expect(await linkFrom({ STOCKROOM_TRUST_PROXY: 'true' }, forwarded)).toBe(
      'https://assets.example.com/endpoints/links/content/a%20b/c.txt',
    );
    expect(await linkFrom({}, forwarded)).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/endpoints\/links\/content\/a%20b\/c\.txt$/,
    );
  });
});
