import { AsyncLocalStorage } from "node:async_hooks";

const current = new AsyncLocalStorage<{ failed: boolean }>();

/**
 * Whether handling the platform update being answered failed. vk-io's composer swallows what a
 * handler throws (grammY's webhook rethrows it, so Telegram needs none of this); the handler
 * notes it here so the webhook can answer with an error, and the platform delivers the update
 * again instead of losing it.
 */
export const updateOutcome = {
  /** Runs the handling of one webhook request; resolves with its result and whether a handler failed. */
  async track<T>(handle: () => Promise<T>): Promise<{ result: T; failed: boolean }> {
    const outcome = { failed: false };
    const result = await current.run(outcome, handle);
    return { result, failed: outcome.failed };
  },
  /** Called by a handler that failed; outside a tracked request (long polling) it does nothing. */
  fail(): void {
    const outcome = current.getStore();
    if (outcome) outcome.failed = true;
  },
};
