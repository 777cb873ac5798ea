import pg from "pg";

/** A pipelining pool (as the app opens it) that records what its connections send. */
export interface StatementCountingPool {
  pool: pg.Pool;
  /** Every statement's text, in the order sent. */
  statements: string[];
  /** Round trips: a statement sent while none is waiting for its answer starts one (pipelined statements share it). */
  roundTrips(): number;
  /** Forgets what was counted so far. */
  reset(): void;
}

/** Counts statements and round trips on the connections themselves, below Prisma and node-postgres' pool. */
export function statementCountingPool(connectionString: string): StatementCountingPool {
  const statements: string[] = [];
  let roundTrips = 0;
  let inFlight = 0;
  const pool = new pg.Pool({ connectionString, pipeline: true });
  pool.on("connect", (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as { query: unknown }).query = (...args: unknown[]) => {
      const first = args[0] as string | { text: string };
      statements.push((typeof first === "string" ? first : first.text).trim());
      if (inFlight++ === 0) roundTrips++;
      const answered = () => void inFlight--;
      const result = query(...args);
      if (result instanceof Promise) result.then(answered, answered);
      else answered(); // a query with a callback (none on the hot path) is not counted apart
      return result;
    };
  });
  return {
    pool,
    statements,
    roundTrips: () => roundTrips,
    reset() {
      statements.length = 0;
      roundTrips = 0;
    },
  };
}
