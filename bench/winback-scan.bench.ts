import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, bench, describe } from "vitest";
import { winbackLookbackMs } from "../core/runtime/conversation-runtime.ts";
import { inactiveContacts } from "../core/store-prisma/inactive-contacts.ts";
import { openDatabase } from "../core/store-prisma/open-database.ts";
import { pgRunner, type SqlRunner } from "../core/store-prisma/sql-runner.ts";
import { startPostgres } from "../scripts/postgres-service.ts";

/**
 * The win-back scan's reads (docs/benchmarks.md, "Win-back scan"): 100,000 contacts (a fifth
 * of them with a second, older channel) whose last messages are spread over a year, so about
 * 2 % fall in the scan's window of 30 to 37 days. Side by side in one run: the scan as the store
 * makes it (by the index on ChannelIdentity's lastSeenAt, in pages of 500) for a flow nobody was
 * won back for yet and for one where every silence is handled (the hourly cost once it has
 * run), against the plain query that finds the same people by aggregating every identity.
 */
const contacts = Number(process.env.WINBACK_BENCH_CONTACTS ?? 100_000);
const now = new Date("2026-06-01T12:00:00Z");
const silentMs = 30 * 24 * 3600 * 1000;
const window = { from: new Date(now.getTime() - silentMs - winbackLookbackMs), to: new Date(now.getTime() - silentMs) };
const referenceQuery = `SELECT "contactId" FROM "ChannelIdentity" GROUP BY "contactId" HAVING max("lastSeenAt") >= $1 AND max("lastSeenAt") < $2`;
let dir = "";
let stopPostgres: () => Promise<void> = async () => {};
let pool: pg.Pool;
let queries = 0;
let counting: SqlRunner;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "orkestr-winback-bench-"));
  const postgres = await startPostgres({ dir, durable: true });
  stopPostgres = postgres.stop;
  await (await openDatabase({ databaseUrl: postgres.url, dataDir: "" })).close();
  pool = new pg.Pool({ connectionString: postgres.url, max: 2 });
  const run = pgRunner(pool);
  counting = (sql) => {
    queries++;
    return run(sql);
  };
  await pool.query(`INSERT INTO "Contact" (id, "updatedAt") SELECT gen_random_uuid(), now() FROM generate_series(1, ${contacts})`);
  await pool.query(
    `INSERT INTO "ChannelIdentity" (id, "contactId", channel, "externalId", "lastSeenAt")
     SELECT gen_random_uuid(), id, 'telegram', id::text, $1::timestamptz - random() * interval '365 days' FROM "Contact"`,
    [now],
  );
  await pool.query(`
    INSERT INTO "ChannelIdentity" (id, "contactId", channel, "externalId", "lastSeenAt")
    SELECT gen_random_uuid(), i."contactId", 'vk', i."contactId"::text, i."lastSeenAt" - interval '40 days'
    FROM "ChannelIdentity" i WHERE random() < 0.2`);
  // Every silence of the "handled" flow was won back already.
  await pool.query(
    `INSERT INTO "InboundReceipt" (key, channel, "receivedAt")
     SELECT 'inactive:handled:' || "contactId" || ':' || (extract(epoch FROM "lastSeenAt") * 1000)::bigint, 'event', now()
     FROM "ChannelIdentity" WHERE channel = 'telegram' AND "lastSeenAt" >= $1 AND "lastSeenAt" < $2`,
    [window.from, window.to],
  );
  await pool.query("ANALYZE");
  const found = await scan("fresh");
  const reference = await pool.query(referenceQuery, [window.from, window.to]);
  if (reference.rowCount !== found.contacts) throw new Error(`the scan found ${found.contacts}, the reference ${reference.rowCount}`);
  const version = (await pool.query<{ server_version: string }>("SHOW server_version")).rows[0]?.server_version;
  console.log(
    `Machine: nproc ${availableParallelism()}, ${cpus()[0]?.model}, Node.js ${process.version}, PostgreSQL ${version} (durable); ` +
      `${contacts.toLocaleString("en")} contacts; one scan finds ${found.contacts} in the window with ${found.queries} queries`,
  );
}, 600_000);

afterAll(async () => {
  await pool?.end();
  await stopPostgres();
  await rm(dir, { recursive: true, force: true });
});

/** The scan's reads for one flow, page by page as the runtime asks for them. */
async function scan(flowId: string): Promise<{ contacts: number; queries: number }> {
  const before = queries;
  let found = 0;
  let after: Awaited<ReturnType<typeof inactiveContacts>>[number] | undefined;
  for (;;) {
    const page = await inactiveContacts(counting, flowId, window, { after, limit: 500 });
    found += page.length;
    if (page.length < 500) break;
    after = page.at(-1);
  }
  return { contacts: found, queries: queries - before };
}

describe("win-back scan over 100,000 contacts", () => {
  bench("reference: the same people by aggregating every identity (one query)", async () => {
    await pool.query(referenceQuery, [window.from, window.to]);
  });
  bench("the scan, nobody won back yet (pages of 500 by the index)", async () => {
    await scan("fresh");
  });
  bench("the scan, every silence handled already (the hourly cost)", async () => {
    await scan("handled");
  });
});
