import type pg from "pg";
import { pgRunner, type SqlRunner } from "./sql-runner.ts";

/** What a hot-path transaction answers when its case is not for it: rolled back, untouched. */
export const notPlain = Symbol("not plain");

/**
 * Runs `work` in a transaction on a client of `pool`: BEGIN, the work's statements, COMMIT
 * (Prisma's interactive transaction costs over a millisecond of CPU, this a tenth of that).
 * `notPlain` from the work rolls it back, for the caller to take the general way.
 */
export async function inPgTransaction<T>(
  pool: pg.Pool,
  work: (run: SqlRunner) => Promise<T | typeof notPlain>,
): Promise<T | typeof notPlain> {
  const client = await pool.connect();
  let failure: unknown;
  // A connection dropped between two statements is an "error" of the client (the pool stops
  // listening while it is lent out): kept, so the next statement fails instead of the process.
  const onDropped = (error: Error) => {
    failure = error;
  };
  client.on("error", onDropped);
  try {
    await client.query("BEGIN");
    const outcome = await work(pgRunner(client));
    await client.query(outcome === notPlain ? "ROLLBACK" : "COMMIT");
    return outcome;
  } catch (error) {
    failure = error;
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.off("error", onDropped);
    // A client whose statement failed may have lost its connection: not given out again.
    client.release(failure instanceof Error ? failure : undefined);
  }
}
