import { randomBytes } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import pino, { type Logger } from "pino";
import { inject } from "vitest";
import { type Config, loadConfig } from "../../app/config.ts";
import { type RunningOrkestr, startOrkestr } from "../../app/orkestr-app.ts";
import { freshDatabase } from "./fresh-database.ts";

export const fixtureFlowsDir = new URL("../fixtures/flows/", import.meta.url).pathname;

/**
 * Configuration for an app under test: its own database on the test PostgreSQL, its own
 * queue prefix on the test Redis, a free port.
 */
export async function testConfig(overrides: Partial<Record<keyof Config, string>> = {}): Promise<Config> {
  return loadConfig({
    PORT: "0",
    HOST: "127.0.0.1",
    DATABASE_URL: await freshDatabase(inject("databaseUrl")),
    REDIS_URL: inject("redisUrl"),
    QUEUE_PREFIX: `t${randomBytes(4).toString("hex")}`,
    FLOWS_DIR: fixtureFlowsDir,
    DATA_DIR: await mkdtemp(join(tmpdir(), "orkestr-data-")),
    LOG_LEVEL: "warn",
    // The tests talk to the web chat; in production it is off unless asked for.
    WEBCHAT_ENABLED: "true",
    // Tests fire requests faster than people type; the limit has a test of its own.
    WEBCHAT_RATE_LIMIT: "100000",
    ...overrides,
  });
}

/** Starts the production app in this process; `logger` lets a test read what the app logs. */
export async function startTestApp(
  config: Config,
  logger: Logger = pino({ level: config.LOG_LEVEL }),
  options: { clock?: () => Date } = {},
): Promise<RunningOrkestr> {
  return startOrkestr(config, logger, options);
}

export interface TestAppWithDatabase {
  app: RunningOrkestr;
  config: Config;
  /** A direct connection to the app's database, for assertions on stored state. */
  db: pg.Client;
  /** Whether the channel address is marked blocked (the person blocked the bot). */
  isBlocked(channel: string, externalId: string): Promise<boolean>;
  stop(): Promise<void>;
}

/** Starts the app in this process on its own database, with a client to look into it. */
export async function startTestAppWithDatabase(
  overrides: Partial<Record<keyof Config, string>> = {},
  logger?: Logger,
  options: { clock?: () => Date } = {},
): Promise<TestAppWithDatabase> {
  const config = await testConfig(overrides);
  const app = await startTestApp(config, logger, options);
  const db = new pg.Client({ connectionString: config.DATABASE_URL });
  await db.connect();
  const running: TestAppWithDatabase = {
    app,
    config,
    db,
    isBlocked: async (channel, externalId) => {
      const { rows } = await db.query(`SELECT "blockedAt" FROM "ChannelIdentity" WHERE channel = $1 AND "externalId" = $2`, [
        channel,
        externalId,
      ]);
      return rows[0]?.blockedAt != null;
    },
    // The app a test restarted (put in `app`) is the one stopped.
    stop: async () => {
      await db.end();
      await running.app.stop();
    },
  };
  return running;
}
