/** Waiting in real time for something another connection or process does. */

/**
 * Polls `condition` every `intervalMs` (real time) until it holds or `timeoutMs` passes;
 * resolves to whether it held.
 */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 2000,
  intervalMs = 10,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  return condition();
}
