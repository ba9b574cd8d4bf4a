/**
 * The page's index.html with what each response needs: the CSRF token the actions send back, and
 * the `<base href>` that makes the page's relative URLs resolve under the mount path.
 */

/** `text` safe inside an HTML attribute value in double quotes. */
export function escapeAttribute(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/**
 * `template` (the built index.html) with `<base href="{base}">` and
 * `<meta name="csrf-token" content="{csrfToken}">` first in its `<head>`, before any relative URL.
 */
export function renderIndex(
  template: string,
  context: { csrfToken: string; base: string },
): string {
  const inserted =
    `\n    <base href="${escapeAttribute(context.base)}" />` +
    `\n    <meta name="csrf-token" content="${escapeAttribute(context.csrfToken)}" />`;
  return template.replace(/<head>/i, (head) => head + inserted);
}
