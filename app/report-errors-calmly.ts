import type { Logger } from "../core/runtime/conversation-runtime.ts";

interface ErrorEmitter {
  on(event: "error", listener: (error: Error) => void): unknown;
}

/**
 * Logs a connection's errors through the app's logger (redacted, JSON) instead of the library's
 * raw stack trace on stderr, and calmly: while Redis is away a client fails every few
 * milliseconds, so one line per `quietMs` says it is still so, with how many were left out.
 */
export function reportErrorsCalmly(source: ErrorEmitter, logger: Logger, what: string, quietMs = 30_000): void {
  let lastAt = Number.NEGATIVE_INFINITY;
  let leftOut = 0;
  source.on("error", (error) => {
    const now = Date.now();
    if (now - lastAt < quietMs) {
      leftOut++;
      return;
    }
    logger.warn({ err: error, ...(leftOut ? { alsoFailedMeanwhile: leftOut } : {}) }, `${what}: connection error (retrying)`);
    lastAt = now;
    leftOut = 0;
  });
}
