/**
 * Accessibility checks of the dashboard with axe-core (Deque's engine behind Lighthouse's
 * accessibility audit): the WCAG 2.x A and AA rules, run inside the page.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const AXE_SOURCE = readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
);

/** The rule sets checked: WCAG 2.0, 2.1 and 2.2, levels A and AA. */
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** One rule the page breaks, with the elements that break it. */
export interface Violation {
  rule: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/**
 * The WCAG A/AA violations of the page as it is now. The page's own CSP refuses injected
 * scripts, so the page must come from a browser context opened with `bypassCSP: true`.
 */
export async function wcagViolations(page: Page): Promise<Violation[]> {
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(async (tags) => {
    interface AxeResult {
      violations: {
        id: string;
        impact: string | null;
        help: string;
        nodes: { target: unknown[] }[];
      }[];
    }
    const axe = (globalThis as unknown as { axe: { run(options: unknown): Promise<AxeResult> } })
      .axe;
    const result = await axe.run({ runOnly: { type: 'tag', values: tags } });
    return result.violations.map((violation) => ({
      rule: violation.id,
      impact: violation.impact,
      help: violation.help,
      targets: violation.nodes.map((node) => node.target.map(String).join(' ')),
    }));
  }, TAGS);
}
