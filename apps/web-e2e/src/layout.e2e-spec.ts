import type { Page } from 'playwright-core';
import { ADMIN_PASSWORD, type ConsoleRun, screenshot, signIn, startConsole } from '../support/console';

/**
 * The main pages on a small phone (360 px) and a laptop (1366 px): the page never scrolls sideways,
 * no text spills out of its box or is cut by a box that clips it (other than an ellipsis meant to),
 * no two texts overlap and no text is painted under something else.
 */
describe.each([
  [360, 740],
  [1366, 768],
])('console layout at %i px', (width, height) => {
  let run: ConsoleRun;
  let page: Page;

  const api = (method: string, path: string, body?: unknown) =>
    fetch(`${run.server.url}${path}`, {
      method,
      headers: { Authorization: run.server.adminAuth, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });

  beforeAll(async () => {
    run = await startConsole();
    await api('POST', '/api/management/feeds/create', {
      name: 'releases',
      feedType: 'asset',
      description: 'Builds of the desktop app, one folder per version',
    });
    await api('POST', '/api/management/feeds/create', { name: 'empty-directory', feedType: 'asset' });
    await api('PUT', '/endpoints/releases/content/v1/notes.md', '# Release 1\n\nFixed things.\n');
    await api('PUT', '/endpoints/releases/content/v1/app-installer-windows-x64.zip', 'PK'.repeat(40_000));
    await api('PUT', '/endpoints/releases/content/v1/checksums.sha256', 'abc  app.zip\n');
    await api('POST', '/api/shares', {
      feed: 'releases',
      path: 'v1/app-installer-windows-x64.zip',
      expiresInMinutes: 24 * 60,
      maxDownloads: 10,
      password: 'secret',
    });
    ({ page } = await run.open('/', { width, height }));
    await signIn(page, 'Admin', ADMIN_PASSWORD);
  });
  afterAll(async () => {
    await run?.close();
  });

  const pages: [string, string][] = [
    ['directories', '/'],
    ['folder', '/feeds/releases/browse/v1'],
    ['empty-folder', '/feeds/empty-directory/browse'],
    ['file', '/feeds/releases/files/v1/notes.md'],
    ['manage-settings', '/feeds/releases/manage/settings'],
    ['manage-retention', '/feeds/releases/manage/retention'],
    ['manage-shares', '/feeds/releases/manage/shares'],
    ['manage-connector', '/feeds/releases/manage/connector'],
    ['manage-webhooks', '/feeds/releases/manage/webhooks'],
    ['admin-users', '/admin/users'],
    ['admin-api-keys', '/admin/api-keys'],
    ['admin-audit', '/admin/audit'],
    ['admin-retention', '/admin/retention'],
    ['admin-replication', '/admin/replication'],
    ['admin-webhooks', '/admin/webhooks'],
  ];

  it.each(pages)('%s (%s) fits and its texts are readable', async (name, path) => {
    await page.goto(path);
    await page.getByRole('heading', { level: 1 }).first().waitFor();
    await page.waitForLoadState('networkidle');
    await page.evaluate(() => document.fonts.ready);
    await screenshot(page, `layout-${width}-${name}`);
    expect(await layoutProblems(page)).toEqual([]);
  });

  it('an empty folder shows that it is empty', async () => {
    await page.goto('/feeds/empty-directory/browse');
    const message = page.getByText('This folder is empty.');
    await message.waitFor();
    // Painted where it can be seen: the element at its centre is the message itself.
    const box = await message.boundingBox();
    if (!box) throw new Error('The empty-folder message has no box.');
    const hit = await page.evaluate(({ x, y }) => document.elementFromPoint(x, y)?.textContent?.trim() ?? '', {
      x: box.x + box.width / 2,
      y: box.y + box.height / 2,
    });
    expect(hit).toContain('This folder is empty.');
  });

  it('the create-directory dialog, with its hint and in its error state', async () => {
    await page.goto('/');
    await page.getByTestId('create-directory').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText(/Letters, digits/).waitFor();
    await page.waitForTimeout(300); // the dialog's opening animation
    await screenshot(page, `layout-${width}-create-directory`);
    expect(await layoutProblems(page)).toEqual([]);

    await page.getByTestId('directory-name-input').fill('bad name!');
    await dialog.getByText(/are allowed, not spaces, “!”/).waitFor();
    await page.waitForTimeout(300);
    await screenshot(page, `layout-${width}-create-directory-error`);
    expect(await layoutProblems(page)).toEqual([]);
    await page.keyboard.press('Escape');
  });
});

/**
 * What a reader would see wrong on the page as it is now, one line each (none on a good page):
 * the page scrolling sideways; a text box whose text is wider than the box (without an ellipsis);
 * text cut by an ancestor that clips (overflow hidden, contain: paint) and cannot be scrolled to;
 * two texts overlapping; text painted under another element.
 */
async function layoutProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const root = document.scrollingElement ?? document.documentElement;
    const describe = (e: Element) => {
      const text = (e.textContent ?? '').replace(/\s+/g, ' ').trim().slice(0, 40);
      const cls = typeof e.className === 'string' && e.className ? `.${e.className.trim().split(/\s+/)[0]}` : '';
      return `<${e.tagName.toLowerCase()}${cls}> “${text}”`;
    };
    if (root.scrollWidth > root.clientWidth) {
      // Named by the outermost elements that reach past the window's right edge.
      const wide = Array.from(document.body.querySelectorAll('*')).filter(
        (e) =>
          e.getBoundingClientRect().right > root.clientWidth + 1 &&
          !(e.parentElement && e.parentElement.getBoundingClientRect().right > root.clientWidth + 1),
      );
      problems.push(
        `the page scrolls sideways: ${root.scrollWidth}px of content in ${root.clientWidth}px (${wide
          .slice(0, 3)
          .map(describe)
          .join(', ')})`,
      );
    }
    const isHidden = (e: Element): boolean => {
      for (let a: Element | null = e; a; a = a.parentElement) {
        const s = getComputedStyle(a);
        if (s.display === 'none' || s.visibility === 'hidden' || Number(s.opacity) === 0) return true;
        if (a.classList.contains('visually-hidden') || a.classList.contains('cdk-visually-hidden')) return true;
        if (a.getAttribute('aria-hidden') === 'true' && s.position === 'absolute') return true;
      }
      return false;
    };
    // Every visible text node with letters, with its element and the boxes of its lines.
    interface Text {
      element: Element;
      rects: DOMRect[];
    }
    const texts: Text[] = [];
    // With a dialog open, the page behind it is meant to be covered: only the dialog is read.
    const dialogs = document.querySelectorAll('mat-dialog-container');
    const scope = dialogs.length ? dialogs[dialogs.length - 1] : document.body;
    const walker = document.createTreeWalker(scope, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!/[\p{L}\p{N}]/u.test(node.textContent ?? '')) continue;
      const element = node.parentElement;
      if (
        !element ||
        element.closest('script, style, noscript, svg, mat-option, .mat-mdc-tooltip') ||
        isHidden(element)
      ) {
        continue;
      }
      const range = document.createRange();
      range.selectNodeContents(node);
      const rects = Array.from(range.getClientRects()).filter((r) => r.width > 1 && r.height > 1);
      if (rects.length) texts.push({ element, rects });
    }
    const seen = new Set<Element>();
    for (const { element, rects } of texts) {
      // Text wider than its own (block) box, without an ellipsis meant to shorten it.
      if (!seen.has(element)) {
        seen.add(element);
        const s = getComputedStyle(element);
        if (
          s.display !== 'inline' &&
          s.textOverflow !== 'ellipsis' &&
          !['auto', 'scroll'].includes(s.overflowX) &&
          element.scrollWidth > element.clientWidth + 1 &&
          element.clientWidth > 0
        ) {
          problems.push(
            `text wider than its box (${element.scrollWidth} > ${element.clientWidth}): ${describe(element)}`,
          );
        }
      }
      // Cut by an ancestor that clips and cannot be scrolled.
      for (let a = element.parentElement; a && a !== document.body; a = a.parentElement) {
        const s = getComputedStyle(a);
        // Tab bars scroll their tabs with their own pagination buttons.
        const paginated = a.matches('.mat-mdc-tab-link-container, .mat-mdc-tab-label-container');
        const scrolls =
          paginated || ['auto', 'scroll'].includes(s.overflowX) || ['auto', 'scroll'].includes(s.overflowY);
        const clips = ['hidden', 'clip'].includes(s.overflowX) || /paint|strict|content/.test(s.contain);
        if (scrolls) break;
        if (!clips) continue;
        const box = a.getBoundingClientRect();
        const cut = rects.some((r) => r.right > box.right + 1 || r.left < box.left - 1);
        // The element that clips it with an ellipsis shows that it is cut: that is meant.
        if (cut && getComputedStyle(a).textOverflow !== 'ellipsis' && s.textOverflow !== 'ellipsis') {
          const own = getComputedStyle(element);
          if (own.textOverflow !== 'ellipsis') {
            problems.push(`text cut by ${describe(a).slice(0, 30)}…: ${describe(element)}`);
            break;
          }
        }
      }
    }
    // Two texts overlapping each other, where they can be seen: inside every box that clips them
    // (an ellipsis, a scrolling table, a tab bar).
    const overlap = (a: DOMRect, b: DOMRect) =>
      Math.min(a.right, b.right) - Math.max(a.left, b.left) > 2 &&
      Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 2;
    const shown = (element: Element, rects: DOMRect[]) => {
      let visible = rects;
      for (let a: Element | null = element; a && a !== document.body; a = a.parentElement) {
        const s = getComputedStyle(a);
        const [x, y] = [s.overflowX !== 'visible', s.overflowY !== 'visible'];
        if (!x && !y) continue;
        const box = a.getBoundingClientRect();
        const [left, top] = [box.left + a.clientLeft, box.top + a.clientTop];
        const [right, bottom] = [left + a.clientWidth, top + a.clientHeight];
        visible = visible.map((r) => {
          const [l, t] = [x ? Math.max(r.left, left) : r.left, y ? Math.max(r.top, top) : r.top];
          const [rr, b] = [x ? Math.min(r.right, right) : r.right, y ? Math.min(r.bottom, bottom) : r.bottom];
          return new DOMRect(l, t, Math.max(0, rr - l), Math.max(0, b - t));
        });
      }
      return visible.filter((r) => r.width > 0 && r.height > 0);
    };
    for (let i = 0; i < texts.length; i++) {
      for (let j = i + 1; j < texts.length; j++) {
        const [a, b] = [texts[i], texts[j]];
        if (a.element === b.element) continue;
        const [ra, rb] = [shown(a.element, a.rects), shown(b.element, b.rects)];
        if (ra.some((r) => rb.some((q) => overlap(r, q)))) {
          problems.push(`texts overlap: ${describe(a.element)} and ${describe(b.element)}`);
        }
      }
    }
    // Text crossing a line drawn around something else (a form field's outline, a bordered panel).
    const lines: { owner: Element; line: DOMRect }[] = [];
    for (const e of Array.from(scope.querySelectorAll('*'))) {
      const s = getComputedStyle(e);
      const box = e.getBoundingClientRect();
      for (const side of ['top', 'right', 'bottom', 'left']) {
        const width = parseFloat(s.getPropertyValue(`border-${side}-width`));
        const color = s.getPropertyValue(`border-${side}-color`);
        if (!(width > 0) || s.getPropertyValue(`border-${side}-style`) === 'none') continue;
        if (/^rgba\(.*,\s*0\)$/.test(color) || color === 'transparent' || isHidden(e)) continue;
        const line =
          side === 'top'
            ? new DOMRect(box.left, box.top, box.width, width)
            : side === 'bottom'
              ? new DOMRect(box.left, box.bottom - width, box.width, width)
              : side === 'left'
                ? new DOMRect(box.left, box.top, width, box.height)
                : new DOMRect(box.right - width, box.top, width, box.height);
        lines.push({ owner: e, line });
      }
    }
    const crosses = (r: DOMRect, l: DOMRect) =>
      Math.min(r.right, l.right) - Math.max(r.left, l.left) >= 1 &&
      Math.min(r.bottom, l.bottom) - Math.max(r.top, l.top) >= 1;
    for (const { element, rects } of texts) {
      const visible = shown(element, rects);
      const crossed = lines.find(
        ({ owner, line }) => owner !== element && !element.contains(owner) && visible.some((r) => crosses(r, line)),
      );
      if (crossed)
        problems.push(`text crosses the border of ${describe(crossed.owner).slice(0, 40)}: ${describe(element)}`);
    }
    // Text painted under something else: above the middle of each line, nothing that paints (a
    // background or text of its own; outlines, ripples and focus rings are see-through).
    const paints = (e: Element) => {
      const s = getComputedStyle(e);
      const background = s.backgroundColor.match(/[\d.]+/g)?.map(Number) ?? [];
      const opaque = background.length === 4 ? background[3] > 0 : background.length === 3;
      const ownText = Array.from(e.childNodes).some(
        (n) => n.nodeType === Node.TEXT_NODE && /\S/.test(n.textContent ?? ''),
      );
      return opaque || s.backgroundImage !== 'none' || ownText;
    };
    const style = document.createElement('style');
    style.textContent = '* { pointer-events: auto !important; }';
    document.head.appendChild(style);
    try {
      for (const { element, rects } of texts) {
        for (const r of rects) {
          const x = r.left + r.width / 2;
          const y = r.top + r.height / 2;
          if (x < 0 || y < 0 || x >= innerWidth || y >= innerHeight) continue;
          const cover = document
            .elementsFromPoint(x, y)
            .find((hit) => hit === element || element.contains(hit) || hit.contains(element) || paints(hit));
          if (cover && cover !== element && !element.contains(cover) && !cover.contains(element)) {
            problems.push(`text painted under ${describe(cover).slice(0, 40)}: ${describe(element)}`);
            break;
          }
        }
      }
    } finally {
      style.remove();
    }
    return [...new Set(problems)];
  });
}
