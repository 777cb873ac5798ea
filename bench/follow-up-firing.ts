import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import pg from "pg";
import pino from "pino";
import { loadConfig } from "../app/config.ts";
import { startOrkestr } from "../app/orkestr-app.ts";
import { startPostgres } from "../scripts/postgres-service.ts";
import { startRedis } from "../scripts/redis-service.ts";

const count = Number(process.env.FOLLOW_UPS ?? 10_000);
const spreadMs = 10_000;
const leadMs = 8_000;

async function main() {
  const dirs = [await mkdtemp(join(tmpdir(), "fu-pg-")), await mkdtemp(join(tmpdir(), "fu-redis-"))];
  const postgres = await startPostgres({ dir: dirs[0] as string });
  const redisServer = await startRedis({ dir: dirs[1] as string });
  const config = loadConfig({
    PORT: "0",
    HOST: "127.0.0.1",
    DATABASE_URL: postgres.url,
    REDIS_URL: redisServer.url,
    FLOWS_DIR: new URL("../test/fixtures/flows/", import.meta.url).pathname,
    DATA_DIR: await mkdtemp(join(tmpdir(), "fu-data-")),
    LOG_LEVEL: "warn",
    WEBCHAT_ENABLED: "true",
    WORKER_CONCURRENCY: process.env.WORKER_CONCURRENCY ?? "32",
  });
  const logger = pino({ level: "warn" });
  await (await startOrkestr(config, logger)).stop();
  const db = new pg.Client({ connectionString: postgres.url });
  await db.connect();
  const { rows: versions } = await db.query(
    `SELECT version FROM "FlowVersion" WHERE "flowId" = 'reminder' ORDER BY "createdAt" DESC LIMIT 1`,
  );
  const version = versions[0].version;
  const base = Date.now() + leadMs;
  await db.query(
    `WITH c AS (INSERT INTO "Contact" (id, "createdAt", "updatedAt", fields, tags)
                SELECT gen_random_uuid(), now(), now(), '{}', '{}' FROM generate_series(1, $1) RETURNING id),
          i AS (INSERT INTO "ChannelIdentity" (id, "contactId", channel, "externalId", "createdAt", "lastSeenAt")
                SELECT gen_random_uuid(), id, 'web', 'bench-' || id, now(), now() FROM c RETURNING "contactId"),
          v AS (INSERT INTO "Conversation" (id, "contactId", "flowId", "flowVersion", "stepId", visit, status, state, channel, "createdAt", "updatedAt")
                SELECT gen_random_uuid(), "contactId", 'reminder', $2, 'hello', 1, 'active', '{"v":1,"vars":{},"attempts":0,"answer":null}', 'web', now(), now() FROM i RETURNING id)
     INSERT INTO "FollowUp" (id, "conversationId", visit, "stepId", index, "dueAt")
     SELECT id || '-1-0', id, 1, 'hello', 0, to_timestamp(($3 + random() * $4) / 1000.0) FROM v`,
    [count, version, base, spreadMs],
  );
  const redis = new Redis(redisServer.url);
  const memoryBefore = Number(/used_memory:(\d+)/.exec(await redis.info("memory"))?.[1]);
  const started = Date.now();
  const app = await startOrkestr(config, logger);
  const rearmMs = Date.now() - started;
  const memoryAfter = Number(/used_memory:(\d+)/.exec(await redis.info("memory"))?.[1]);
  for (;;) {
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM "OutboxMessage" WHERE status = 'sent'`);
    if (rows[0].n >= count) break;
    if (Date.now() > base + spreadMs + 300_000) throw new Error(`only ${rows[0].n} sent`);
    await new Promise((r) => setTimeout(r, 500));
  }
  const { rows: lateness } = await db.query(
    `SELECT percentile_cont(ARRAY[0.5, 0.99]) WITHIN GROUP (ORDER BY extract(epoch FROM o."sentAt" - f."dueAt")) AS p,
            extract(epoch FROM max(o."sentAt") - min(o."sentAt")) AS span
     FROM "FollowUp" f JOIN "OutboxMessage" o ON o."dedupeKey" = 'fu-' || f.id || '#0'`,
  );
  console.log({ count, rearmMs, redisBytesPerFollowUp: Math.round((memoryAfter - memoryBefore) / count), ...lateness[0] });
  await app.stop();
  await db.end();
  redis.disconnect();
  await redisServer.stop();
  await postgres.stop();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
}

await main();
