import { text } from 'node:stream/consumers';
import { htmlIndex, IndexEntry } from './html-index';

async function* from(entries: IndexEntry[]): AsyncGenerator<IndexEntry> {
  yield* entries;
}

describe('htmlIndex', () => {
  it('lists folders and files with relative, encoded links and escaped names', async () => {
    const html = await text(
      htmlIndex(
        { title: '/dav/docs/<b>/', parent: true },
        from([
          { name: 'sub dir', folder: true, modified: '2026-12-06T10:11:12.000Z' },
          {
            name: 'a&b "<script>alert(1)</script>.txt',
            folder: false,
            size: 1536,
            modified: '2026-12-06T10:11:12.000Z',
          },
          { name: 'c:d', folder: false, size: 0 },
        ]),
      ),
    );
    expect(html).toContain('<title>Index of /dav/docs/&lt;b&gt;/</title>');
    expect(html).toContain('<a href="../">Parent folder</a>');
    expect(html).toContain('<a href="./sub%20dir/">sub dir/</a>');
    expect(html).toContain(
      '<a href="./a%26b%20%22%3Cscript%3Ealert(1)%3C%2Fscript%3E.txt">a&amp;b &quot;&lt;script&gt;alert(1)&lt;/script&gt;.txt</a>',
    );
    expect(html).toContain('title="1536 bytes">1.5 KiB</td>');
    expect(html).toContain('<a href="./c%3Ad">c:d</a>');
    expect(html).toContain('<time datetime="2026-12-06T10:11:12.000Z">2026-12-06 10:11 UTC</time>');
    expect(html).not.toMatch(/<script/i);
  });

  it('has no parent link at the top and streams a large folder in chunks', async () => {
    const entries = Array.from({ length: 5000 }, (_, i) => ({ name: `file-${i}.bin`, folder: false, size: i }));
    const chunks: string[] = [];
    for await (const chunk of htmlIndex({ title: '/dav/', parent: false }, from(entries))) chunks.push(String(chunk));
    const html = chunks.join('');
    expect(html).not.toContain('Parent folder');
    expect(html.match(/<tr><td><a href=/g)).toHaveLength(5000);
    expect(chunks.length).toBeGreaterThan(10);
    expect(html.endsWith('</html>\n')).toBe(true);
  });
});
