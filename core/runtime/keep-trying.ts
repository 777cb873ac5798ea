export interface Patience {
  /** How long to keep trying before the last error is thrown. */
  patienceMs: number;
  /** The first pause; each next one doubles, up to `maxPauseMs`. */
  firstPauseMs: number;
  maxPauseMs: number;
}

/** Updates taken by long polling: the platform will not deliver them again. */
export const pollingPatience: Patience = { patienceMs: 10 * 60_000, firstPauseMs: 500, maxPauseMs: 10_000 };
/** Noting that a message went out: failing it would send it again. */
export const markSentPatience: Patience = { patienceMs: 10 * 60_000, firstPauseMs: 100, maxPauseMs: 5_000 };

/** While an operation keeps failing, how often that is logged. */
const retryLogIntervalMs = 30_000;

/**
 * Runs `operation` until it succeeds (and returns what it gave), pausing longer each time, for at most `patience.patienceMs`
 * (wall-clock time: this waits for a service to come back). For work that must not be dropped
 * while the database is away and is safe to repeat (idempotent by its key). The first failed try
 * is logged at warn with `what` and `message`, then one every 30 s while it goes on: an outage
 * of a few seconds must not write megabytes of the same error.
 */
export async function keepTrying<T>(
  operation: () => Promise<T>,
  patience: Patience,
  logger: { warn(obj: object, msg?: string): void },
  what: Record<string, unknown>,
  message: string,
): Promise<T> {
  const deadline = Date.now() + patience.patienceMs;
  let loggedAt = Number.NEGATIVE_INFINITY;
  for (let pause = patience.firstPauseMs, tries = 1; ; pause = Math.min(pause * 2, patience.maxPauseMs), tries++) {
    try {
      return await operation();
    } catch (error) {
      if (Date.now() + pause > deadline) throw error;
      if (Date.now() - loggedAt >= retryLogIntervalMs) {
        logger.warn({ err: error, ...what, tries, retryInMs: pause }, message);
        loggedAt = Date.now();
      }
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}
