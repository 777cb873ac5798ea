import type { Logger } from "../core/runtime/conversation-runtime.ts";

/** How long an update taken by long polling is tried again before it is given up (and logged as lost). */
export const pollingPatienceMs = 10 * 60_000;

/**
 * Runs `handle` until it succeeds, pausing longer each time (0.5 s up to 10 s), for at most
 * `patienceMs`. For updates taken by long polling: the platform will not deliver them again,
 * so while the database is away the update waits here (and the chat's later updates behind
 * it) rather than being lost. Handling is idempotent by the update's id, so a retry after a
 * half-done attempt does nothing twice.
 */
export async function keepTrying(
  handle: () => Promise<unknown>,
  logger: Logger,
  what: Record<string, unknown>,
  patienceMs = pollingPatienceMs,
): Promise<void> {
  const deadline = Date.now() + patienceMs;
  for (let pause = 500; ; pause = Math.min(pause * 2, 10_000)) {
    try {
      await handle();
      return;
    } catch (error) {
      if (Date.now() + pause > deadline) throw error;
      logger.warn({ err: error, ...what, retryInMs: pause }, "update not handled yet; trying again");
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}
