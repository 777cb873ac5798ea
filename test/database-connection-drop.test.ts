import pg from "pg";
import { afterAll, describe, expect, inject, it } from "vitest";
import { type OpenedDatabase, openDatabase } from "../core/store-prisma/open-database.ts";
import { freshDatabase } from "./support/fresh-database.ts";
import { waitFor } from "./support/wait-for.ts";

/** PostgreSQL dropping the app's idle connections (a restart, an outage) must not end the process. */
describe("the database pool when PostgreSQL drops its connections (real PostgreSQL)", () => {
  let database: OpenedDatabase;
  const admin = new pg.Client({ connectionString: inject("databaseUrl") });
  afterAll(async () => {
    await database?.close();
    await admin.end();
  });

  it("takes the dropped connections out and reconnects on the next query", async () => {
    const databaseUrl = await freshDatabase(inject("databaseUrl"));
    const name = new URL(databaseUrl).pathname.slice(1);
    database = await openDatabase({ databaseUrl, dataDir: "" });
    await admin.connect();
    // Leave connections idle in the pool, then have the server end them.
    await Promise.all([1, 2, 3].map(() => database.prisma.$queryRaw`SELECT pg_sleep(0.05)::text`));
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [name]);
    await waitFor(
      async () => (await admin.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1", [name])).rows[0].n,
      (n) => n === 0,
      "the connections gone",
    );
    // An unheard pool "error" (Prisma's adapter listens on the shared pool) would have failed this
    // run as an uncaught exception by now.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await database.prisma.$queryRaw`SELECT 1 AS one`).toEqual([{ one: 1 }]);
  });
});
