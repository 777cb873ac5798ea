import { randomBytes } from "node:crypto";
import pg from "pg";

/**
 * A new, empty database on the test PostgreSQL server, so test files never share state.
 * Returns its URL; the server (and every database on it) is thrown away after the run.
 */
export async function freshDatabase(serverUrl: string, prefix = "t"): Promise<string> {
  const name = `${prefix}_${randomBytes(6).toString("hex")}`;
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
