import pg from "pg";
import { inject } from "vitest";
import { freshDatabase } from "./fresh-database.ts";

/** A PostgreSQL server URL: from the global setup, or TEST_DATABASE_URL for a standalone run. */
function serverUrl(): string {
  const injected = inject("databaseUrl") as string | undefined;
  const url = injected || process.env.TEST_DATABASE_URL;
  if (!url) {
    throw new Error("No PostgreSQL for the drift test: provide `databaseUrl` from a globalSetup or set TEST_DATABASE_URL.");
  }
  return url;
}

/** Creates uniquely named databases on the test server and drops them at the end. */
export class TestDatabases {
  private readonly names: string[] = [];

  async create(suffix: string): Promise<string> {
    const url = await freshDatabase(serverUrl(), `orkestr_drift_${suffix}`);
    this.names.push(new URL(url).pathname.slice(1));
    return url;
  }

  async dropAll(): Promise<void> {
    await this.admin(async (client) => {
      for (const name of this.names) await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    });
  }

  private async admin(fn: (client: pg.Client) => Promise<void>): Promise<void> {
    const client = new pg.Client({ connectionString: serverUrl() });
    await client.connect();
    try {
      await fn(client);
    } finally {
      await client.end();
    }
  }
}
