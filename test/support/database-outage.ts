import pg from "pg";
import { inject } from "vitest";
import type { Config } from "../../app/config.ts";

/**
 * Runs `during` while the app's own database (of the shared test server) refuses connections
 * and its open ones are dropped, as in a PostgreSQL outage; `keep` is a test's connection to
 * leave alone. Other tests' databases are not touched.
 */
export async function withDatabaseAway(config: Config, during: () => Promise<void>, keep?: pg.Client): Promise<void> {
  const name = new URL(config.DATABASE_URL as string).pathname.slice(1);
  const admin = new pg.Client({ connectionString: inject("databaseUrl") });
  await admin.connect();
  const kept = keep ? (await keep.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]?.pid : 0;
  try {
    await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS false`);
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> $2", [name, kept]);
    await during();
  } finally {
    await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`);
    await admin.end();
  }
}
