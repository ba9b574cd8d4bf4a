/**
 * Debian's Chromium driven by playwright-core (Playwright's own browser downloads cannot be
 * reached): launched headless with a fresh profile (Playwright gives each launch its own
 * temporary user-data-dir) and no background traffic.
 */
import { accessSync, constants } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Where Debian's `chromium` package installs the browser. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Fails, saying how to install it, when Chromium is missing. */
export function requireChromium(): void {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
  } catch {
    throw new Error(
      `The dashboard's browser test needs Chromium at ${CHROMIUM_PATH}, which is missing: ` +
        `install it with \`apt-get install -y chromium\` (CI's .ci/run installs it).`,
    );
  }
}

/** Launches Chromium. */
export async function launchChromium(): Promise<Browser> {
  requireChromium();
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ARGS });
}
