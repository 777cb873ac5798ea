import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, bench, describe } from "vitest";
import { marketingSentColumn } from "../core/store-prisma/follow-up-turn.ts";
import { Prisma } from "../core/store-prisma/generated/client.ts";
import { openDatabase } from "../core/store-prisma/open-database.ts";
import { pgRunner, type SqlRunner } from "../core/store-prisma/sql-runner.ts";
import { startPostgres } from "../scripts/postgres-service.ts";

/**
 * What the frequency cap costs a send (docs/benchmarks.md, "Frequency cap"): the read of a due
 * follow-up under its contact's lock, as the store makes it, with and without the cap's count of
 * the contact's marketing sent in the last eight days — side by side, same database, same rows.
 * 20,000 contacts with six follow-ups each (four marketing and one service fired this week, one pending).
 */
const contacts = Number(process.env.CAP_BENCH_CONTACTS ?? 20_000);
let dir = "";
let stopPostgres: () => Promise<void> = async () => {};
let client: pg.Client;
let run: SqlRunner;
let pending: string[] = [];
let next = 0;

const withoutCap = (followUpId: string) => Prisma.sql`
  SELECT f.id, f."conversationId", f.visit, f."stepId", f.index FROM "FollowUp" f JOIN "Conversation" v ON v.id = f."conversationId"
  WHERE f.id = ${followUpId} AND f.status = 'pending'`;
/** The store's own column (follow-ups fired and win-backs entered), so the benchmark measures what sends. */
const withCap = (followUpId: string, since: Date) => Prisma.sql`
  SELECT f.id, f."conversationId", f.visit, f."stepId", f.index, ${marketingSentColumn(since)}
  FROM "FollowUp" f JOIN "Conversation" v ON v.id = f."conversationId"
  WHERE f.id = ${followUpId} AND f.status = 'pending'`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "orkestr-cap-bench-"));
  const postgres = await startPostgres({ dir, durable: true });
  stopPostgres = postgres.stop;
  await (await openDatabase({ databaseUrl: postgres.url, dataDir: "" })).close();
  client = new pg.Client({ connectionString: postgres.url });
  await client.connect();
  run = pgRunner(client as unknown as pg.PoolClient);
  await client.query(`
    INSERT INTO "Contact" (id, "updatedAt") SELECT gen_random_uuid(), now() FROM generate_series(1, ${contacts});
    INSERT INTO "Conversation" (id, "contactId", "flowId", "flowVersion", channel, "updatedAt")
      SELECT gen_random_uuid(), id, 'promo', 'v1', 'telegram', now() FROM "Contact";
    INSERT INTO "FollowUp" (id, "conversationId", visit, "stepId", index, "dueAt", status, "settledAt", marketing)
      SELECT v.id || '-1-' || i, v.id, 1, 'later', i, now() - (i || ' days')::interval,
             CASE WHEN i < 5 THEN 'fired' ELSE 'pending' END, CASE WHEN i < 5 THEN now() - (i || ' days')::interval END, i <> 4
      FROM "Conversation" v, generate_series(0, 5) AS i;
    ANALYZE;`);
  pending = (
    await client.query<{ id: string }>(`SELECT id FROM "FollowUp" WHERE status = 'pending' ORDER BY random() LIMIT 5000`)
  ).rows.map((r) => r.id);
  const version = (await client.query<{ server_version: string }>("SHOW server_version")).rows[0]?.server_version;
  console.log(
    `Machine: nproc ${availableParallelism()}, ${cpus()[0]?.model}, Node.js ${process.version}, PostgreSQL ${version} (durable); ` +
      `${contacts.toLocaleString("en")} contacts, ${(contacts * 6).toLocaleString("en")} follow-ups`,
  );
}, 600_000);

afterAll(async () => {
  await client?.end();
  await stopPostgres();
  await rm(dir, { recursive: true, force: true });
});

const since = () => new Date(Date.now() - 8 * 24 * 3600 * 1000);
const pick = () => pending[next++ % pending.length] as string;

describe("frequency cap: reading a due follow-up", () => {
  bench("without the cap (as before)", async () => {
    await run(withoutCap(pick()));
  });
  bench("with the cap's count of the last eight days", async () => {
    await run(withCap(pick(), since()));
  });
});
