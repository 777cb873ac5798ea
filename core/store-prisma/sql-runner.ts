import pg from "pg";
import type { Prisma } from "./generated/client.ts";

/** Runs one SQL statement (built with `Prisma.sql`) in the caller's transaction and gives its rows. */
export type SqlRunner = <Row>(sql: Prisma.Sql) => Promise<Row[]>;

/** The statements on Prisma's transaction client. */
export function prismaRunner(tx: Prisma.TransactionClient): SqlRunner {
  return <Row>(sql: Prisma.Sql) => tx.$queryRaw<Row[]>(sql);
}

const timestampOids = new Set([pg.types.builtins.TIMESTAMP, pg.types.builtins.TIMESTAMPTZ]);

function utcDate(text: string): Date {
  return new Date(/[zZ]|[+-]\d\d(:?\d\d)?$/.test(text) ? text : `${text.replace(" ", "T")}Z`);
}

/**
 * Prisma keeps `DateTime` as `timestamp(3)` holding UTC. node-postgres would read and write such
 * a column in the machine's time zone, so both ways are pinned to UTC here, per query (its
 * global parsers are Prisma's too): whatever the machine's zone, rows read the same as Prisma's.
 */
export const utcTimestamps = {
  getTypeParser(oid: number, format?: string) {
    if (timestampOids.has(oid)) return utcDate;
    return pg.types.getTypeParser(oid, format as "text");
  },
};

function pgValue(value: unknown): unknown {
  return value instanceof Date ? value.toISOString() : value;
}

/** Distinct statement texts the hot path has (a few dozen); past this, statements are not prepared. */
const preparedMax = 256;
const preparedNames = new Map<string, string>();

/**
 * The statement's name as a prepared statement: PostgreSQL then parses and plans the turn's
 * large statements once per connection instead of on every turn. Their text depends only on the
 * turn's shape, never on its values, so they are few.
 */
function preparedName(text: string): string | undefined {
  let name = preparedNames.get(text);
  if (!name && preparedNames.size < preparedMax) {
    name = `orkestr_${preparedNames.size}`;
    preparedNames.set(text, name);
  }
  return name;
}

/**
 * The statements on a node-postgres client (a transaction's) or pool (one statement each), for
 * the hot path: Prisma's interactive transaction costs over a millisecond of CPU per turn, this
 * path a tenth of that. On a client in pipeline mode, statements started before the earlier ones
 * answered are sent at once, and those started in the same tick leave in one write (see
 * `sendTogether`): they cost one round trip together.
 */
export function pgRunner(client: pg.PoolClient | pg.Pool): SqlRunner {
  return async <Row>(sql: Prisma.Sql) => {
    const name = preparedName(sql.text);
    const query = { text: sql.text, values: sql.values.map(pgValue), types: utcTimestamps, ...(name ? { name } : {}) };
    const result = await ("release" in client ? sendTogether(client, () => client.query(query)) : client.query(query));
    return result.rows as Row[];
  };
}

const corked = new WeakSet<object>();

/**
 * Starts `send` on `client` with its socket corked until the end of this tick, so every
 * statement started in the same tick goes out in one write: on a machine where a write to a
 * loopback socket costs a tenth of a millisecond, a turn's statements cost that once per round
 * trip rather than once per statement. (node-postgres corks each statement's own messages; this
 * extends that over a tick.)
 */
export function sendTogether<T>(client: pg.PoolClient, send: () => T): T {
  const stream = (client as unknown as { connection?: { stream?: { cork(): void; uncork(): void } } }).connection?.stream;
  if (stream && !corked.has(stream)) {
    corked.add(stream);
    stream.cork();
    process.nextTick(() => {
      corked.delete(stream);
      stream.uncork();
    });
  }
  return send();
}
