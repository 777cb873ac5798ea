import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import pg from "pg";
import pino from "pino";
import { loadConfig } from "../../app/config.ts";
import { startOrkestr } from "../../app/orkestr-app.ts";
import { freshDatabase } from "../../test/support/fresh-database.ts";
import { seedDueFollowUps } from "./seed-due-follow-ups.ts";

export interface FollowUpScenario {
  channel: "web" | "telegram";
  count: number;
  /** The follow-ups fall due over this long, starting a few seconds after the app started. */
  spreadMs: number;
  /** Configuration beside the database, Redis and flows (Telegram's token and API root, its bulk rate). */
  env: Record<string, string>;
}

export interface FollowUpFigures {
  /** Seconds from due to sent: median and 99th percentile. */
  latenessP50: number;
  latenessP99: number;
  /** Messages sent a second, from the first send to the last. */
  sentPerSecond: number;
  /** Start-up's re-arm of every pending follow-up (one page, one Redis pipeline per 1,000). */
  rearmMs: number;
  /** Redis memory the pending follow-ups took, per follow-up. */
  redisBytesPerFollowUp: number;
}

const leadMs = 8_000;
const flowsDir = new URL("../../test/fixtures/flows/", import.meta.url).pathname;

/**
 * Runs one scenario against the app as shipped, in this process: a fresh database on `postgresUrl`,
 * a fresh queue prefix on `redisUrl`, `count` follow-ups written straight into the database, then
 * the app started (it re-arms them) and left to fire them. Waits until every message is sent.
 */
export async function runFollowUpScenario(
  scenario: FollowUpScenario,
  servers: { postgresUrl: string; redisUrl: string },
): Promise<FollowUpFigures> {
  const config = loadConfig({
    PORT: "0",
    HOST: "127.0.0.1",
    DATABASE_URL: await freshDatabase(servers.postgresUrl, "bench"),
    REDIS_URL: servers.redisUrl,
    QUEUE_PREFIX: `bench${Date.now()}`,
    FLOWS_DIR: flowsDir,
    DATA_DIR: await mkdtemp(join(tmpdir(), "orkestr-follow-up-bench-")),
    LOG_LEVEL: "warn",
    WEBCHAT_ENABLED: String(scenario.channel === "web"),
    ...scenario.env,
  });
  const logger = pino({ level: "warn" });
  await (await startOrkestr(config, logger)).stop(); // migrates and registers the flows
  const db = new pg.Client({ connectionString: config.DATABASE_URL });
  await db.connect();
  const redis = new Redis(servers.redisUrl);
  try {
    const from = Date.now() + leadMs;
    await seedDueFollowUps(db, {
      count: scenario.count,
      channel: scenario.channel,
      firstAddress: 7_000_000,
      from,
      spreadMs: scenario.spreadMs,
    });
    const memoryBefore = await usedMemory(redis);
    const started = performance.now();
    const app = await startOrkestr(config, logger);
    const rearmMs = performance.now() - started;
    const memoryAfter = await usedMemory(redis);
    try {
      const deadline = from + scenario.spreadMs + 600_000;
      for (;;) {
        const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM "OutboxMessage" WHERE status = 'sent'`);
        if ((rows[0]?.n ?? 0) >= scenario.count) break;
        if (Date.now() > deadline) throw new Error(`only ${rows[0]?.n} of ${scenario.count} follow-ups sent in time`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    } finally {
      await app.stop();
    }
    const { rows } = await db.query<{ p: number[]; span: number }>(
      `SELECT percentile_cont(ARRAY[0.5, 0.99]) WITHIN GROUP (ORDER BY extract(epoch FROM o."sentAt" - f."dueAt")) AS p,
              extract(epoch FROM max(o."sentAt") - min(o."sentAt"))::float8 AS span
       FROM "FollowUp" f JOIN "OutboxMessage" o ON o."dedupeKey" = 'fu-' || f.id || '#0'`,
    );
    const [p50, p99] = rows[0]?.p ?? [Number.NaN, Number.NaN];
    return {
      latenessP50: p50 as number,
      latenessP99: p99 as number,
      sentPerSecond: (scenario.count - 1) / (rows[0]?.span ?? Number.NaN),
      rearmMs,
      redisBytesPerFollowUp: (memoryAfter - memoryBefore) / scenario.count,
    };
  } finally {
    redis.disconnect();
    await db.end();
  }
}

async function usedMemory(redis: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await redis.info("memory"))?.[1]);
}
