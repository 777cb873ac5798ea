import { availableParallelism, cpus } from "node:os";
import { Redis } from "ioredis";
import pg from "pg";

/**
 * The line a figure needs beside it: cores, CPU, Node.js, and the servers as they ran — with
 * PostgreSQL's durability settings read back from the server, not assumed.
 */
export async function describeMachine(postgresUrl: string, redisUrl: string): Promise<string> {
  const db = new pg.Client({ connectionString: postgresUrl });
  await db.connect();
  const settings = await db
    .query<{ name: string; setting: string }>(
      `SELECT name, setting FROM pg_settings WHERE name IN ('server_version', 'fsync', 'synchronous_commit', 'full_page_writes') ORDER BY name`,
    )
    .finally(() => db.end());
  const redis = new Redis(redisUrl);
  const redisVersion = await redis.info("server").finally(() => redis.disconnect());
  const postgres = settings.rows.map((r) => `${r.name}=${r.setting}`).join(", ");
  return (
    `Machine: nproc ${availableParallelism()}, ${cpus()[0]?.model ?? "unknown CPU"}, Node.js ${process.version}; ` +
    `PostgreSQL ${postgres}; Redis ${/redis_version:(\S+)/.exec(redisVersion)?.[1] ?? "?"}.`
  );
}
