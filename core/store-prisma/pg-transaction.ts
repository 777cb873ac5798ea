import type pg from "pg";
import { pgRunner, type SqlRunner, sendTogether } from "./sql-runner.ts";

/** What a hot-path transaction answers when its case is not for it: rolled back, untouched. */
export const notPlain = Symbol("not plain");

/** A transaction on a node-postgres client. */
export interface PgTransaction {
  /** Runs a statement in the transaction; statements started together share a round trip (pipeline mode). */
  run: SqlRunner;
  /** Runs the transaction's last statement with COMMIT right behind it, in one round trip; gives its rows once both answered. */
  commitWith: SqlRunner;
}

/**
 * Runs `work` in a transaction on a client of `pool`: BEGIN, the work's statements, COMMIT
 * (Prisma's interactive transaction costs over a millisecond of CPU, this a tenth of that).
 * `notPlain` from the work rolls it back, for the caller to take the general way.
 *
 * On a pool in pipeline mode BEGIN goes out with the work's first statements and COMMIT with its
 * last (`commitWith`), so neither costs a round trip of its own. PostgreSQL still runs them one
 * after the other: a statement sent behind a lock sees what was committed before the lock was
 * granted.
 */
export async function inPgTransaction<T>(
  pool: pg.Pool,
  work: (tx: PgTransaction) => Promise<T | typeof notPlain>,
): Promise<T | typeof notPlain> {
  const client = await pool.connect();
  let failure: unknown;
  // A connection dropped between two statements is an "error" of the client (the pool stops
  // listening while it is lent out): kept, so the next statement fails instead of the process.
  const onDropped = (error: Error) => {
    failure = error;
  };
  client.on("error", onDropped);
  const run = pgRunner(client);
  let committed = false;
  const commitWith: SqlRunner = async <Row>(sql: Parameters<SqlRunner>[0]) => {
    committed = true;
    const [rows] = await sendTogether(client, () => Promise.all([run<Row>(sql), client.query("COMMIT")]));
    return rows;
  };
  try {
    const [, outcome] = await sendTogether(client, () => {
      const begun = client.query("BEGIN");
      return Promise.all([begun, work({ run, commitWith })]);
    });
    if (!committed) await client.query(outcome === notPlain ? "ROLLBACK" : "COMMIT");
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
