/**
 * The page's files (dist/ui/assets/): a request path turned into a file inside that folder, or
 * nothing — never a file outside it — and the content type each file is served with.
 */
import { readFile } from 'node:fs/promises';
import { extname, join, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** A file of the page, as the API serves it. */
export interface PageAsset {
  body: Uint8Array;
  type: string;
}

/**
 * The file `path` of the page's `assets/` folder in `uiDir` (`path` is what follows `assets/` in
 * the URL, e.g. `index-abc.js`, percent-encoded or not), or null when it is not one of the
 * page's files: a `..` or `.` segment, an empty one, a backslash or NUL, an unknown extension,
 * or no such file. Nothing outside `assets/` is ever read.
 */
export async function readAsset(uiDir: string, path: string): Promise<PageAsset | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return null;
  }
  const segments = decoded.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..' || /[\\\0]/.test(s))) return null;
  const type = CONTENT_TYPES[extname(decoded).toLowerCase()];
  if (type === undefined) return null;
  const assetsDir = join(uiDir, 'assets');
  const file = join(assetsDir, ...segments);
  // The checks above already keep the path inside; this states the invariant once more.
  if (!file.startsWith(assetsDir + sep)) return null;
  try {
    return { body: new Uint8Array(await readFile(file)), type };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') return null;
    throw error;
  }
}
