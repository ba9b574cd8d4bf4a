/**
 * The page provider against the page built into dist/ui/: the HTML carries the token and base
 * (escaped), assets come with their content types, and nothing outside dist/ui/assets/ is served.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { DashboardNotBuiltError, dashboardPage } from '../src/index.js';

const uiDir = new URL('../dist/ui/', import.meta.url);
const builtIndex = readFileSync(new URL('index.html', uiDir), 'utf8');
const assetNames = readdirSync(new URL('assets/', uiDir));
const script = assetNames.find((name) => name.endsWith('.js'));
const stylesheet = assetNames.find((name) => name.endsWith('.css'));

describe('the built page', () => {
  test('has no inline script or style, only files of its own by relative URLs', () => {
    expect(builtIndex).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/i);
    expect(builtIndex).not.toMatch(/<style/i);
    expect(builtIndex).not.toMatch(/\sstyle=/i);
    expect(builtIndex).not.toMatch(/(src|href)="(\/|https?:)/i);
    expect(builtIndex).toContain(`src="./assets/${script}"`);
    expect(builtIndex).toContain(`href="./assets/${stylesheet}"`);
  });

  test('fetches nothing from elsewhere at run time', () => {
    for (const name of assetNames) {
      const text = readFileSync(new URL(`assets/${name}`, uiDir), 'utf8');
      expect(text, name).not.toMatch(/https?:\/\/(?!www\.w3\.org\/)/);
    }
  });
});

describe('dashboardPage', () => {
  const page = dashboardPage();

  test('serves the HTML with the CSRF token and the base inserted first in <head>', () => {
    const html = page.html({ csrfToken: 'tok-123', base: '/kairos/' });
    expect(html).toMatch(
      /<head>\s*<base href="\/kairos\/" \/>\s*<meta name="csrf-token" content="tok-123" \/>/,
    );
    expect(html).toContain('<div id="app"></div>');
  });

  test('escapes the token and base', () => {
    const html = page.html({ csrfToken: '"><script>x</script>', base: '/a"b&c/' });
    expect(html).toContain('content="&quot;&gt;&lt;script&gt;x&lt;/script&gt;"');
    expect(html).toContain('<base href="/a&quot;b&amp;c/" />');
    expect(html).not.toContain('<script>x');
  });

  test('serves the assets with their content types', async () => {
    const js = await page.asset(script ?? '');
    expect(js?.type).toBe('text/javascript; charset=utf-8');
    expect(Buffer.from(js?.body ?? []).toString('utf8')).toBe(
      readFileSync(new URL(`assets/${script}`, uiDir), 'utf8'),
    );
    expect((await page.asset(stylesheet ?? ''))?.type).toBe('text/css; charset=utf-8');
    const icon = assetNames.find((name) => name.endsWith('.svg'));
    expect((await page.asset(icon ?? ''))?.type).toBe('image/svg+xml');
  });

  // The path is what follows `assets/` in the URL: `assets/../../package.json` arrives as
  // `../../package.json`.
  test.each([
    '../../package.json',
    '../index.html',
    '%2e%2e/%2e%2e/package.json',
    '..%2f..%2fpackage.json',
    '..\\..\\package.json',
    '/etc/passwd',
    '%2fetc%2fpasswd',
    './index.js',
    'nothing-here.js',
    '',
    '%zz.js',
    'x.js%00.png',
  ])('refuses %j (null: a 404)', async (path) => {
    expect(await page.asset(path)).toBeNull();
  });

  test('a folder without a built page is a clear error', () => {
    expect(() => dashboardPage('/nonexistent/kairos-ui/')).toThrow(DashboardNotBuiltError);
    expect(() => dashboardPage('/nonexistent/kairos-ui/')).toThrow(
      /dashboard's page is not built: \/nonexistent\/kairos-ui\/index\.html is missing/,
    );
  });
});
