/** Retrying a call until a server that was away (or refused it) lets it through. */

/** Retries `call` every 50 ms until it resolves, for up to `timeoutMs`. */
export async function untilItWorks<T>(call: () => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
