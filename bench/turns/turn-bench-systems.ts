import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../app/config.ts";
import { startPostgres } from "../../scripts/postgres-service.ts";
import { startRedis } from "../../scripts/redis-service.ts";
import { FakeTelegramApi } from "../../test/fakes/fake-telegram-api.ts";
import { AppProcess } from "../../test/support/app-process.ts";
import { freshDatabase } from "../../test/support/fresh-database.ts";

/** A bot under test: a child process that takes Telegram's webhook at `webhookUrl`. */
export interface BotUnderTest {
  process: AppProcess;
  webhookUrl: string;
  /** Name of its database on the bench's PostgreSQL (to pick its lines out of the server log). */
  database: string;
}

export interface TurnBenchSystems {
  telegram: FakeTelegramApi;
  /** The webhook secret both bots check. */
  secret: string;
  postgres: { url: string; logFile: string };
  redisUrl: string;
  /** A: the bare grammY bot doing one INSERT and one reply per update. */
  baseline: BotUnderTest;
  /** B: the app as shipped (`app/main.ts`, i.e. `npm start`). */
  orkestr: BotUnderTest;
  stop(): Promise<void>;
}

const flowsDir = new URL("./flows/", import.meta.url).pathname;
const webhookPath = "/telegram/webhook";

/**
 * Everything the turn benchmark runs against, on 127.0.0.1 only: a PostgreSQL with its default
 * durability (fsync and synchronous_commit on, unlike the tests'), a Redis configured as for
 * BullMQ, the fake Bot API, and the bots as child processes. Each bot gets a process of its own,
 * as in production, so the load generator and the fake API (this process) do not share its event
 * loop; both bots are measured through the same doors. `stop()` ends and removes all of it.
 */
export async function startTurnBenchSystems(): Promise<TurnBenchSystems> {
  const cleanups: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  };
  try {
    // A directory each, as the test set-up does: PostgreSQL runs as its own OS user and takes its directory over.
    const makeDir = (name: string) => mkdtemp(join(tmpdir(), `orkestr-turn-bench-${name}-`));
    const [postgresDir, redisDir, dataDir] = await Promise.all([makeDir("pg"), makeDir("redis"), makeDir("data")]);
    cleanups.push(() => Promise.all([postgresDir, redisDir, dataDir].map((dir) => rm(dir, { recursive: true, force: true }))));
    const [postgres, redis] = await Promise.all([startPostgres({ dir: postgresDir, durable: true }), startRedis({ dir: redisDir })]);
    cleanups.push(
      () => postgres.stop(),
      () => redis.stop(),
    );
    const telegram = await new FakeTelegramApi().start();
    cleanups.push(() => telegram.stop());

    const secret = "bench-secret";
    const [baselineUrl, orkestrUrl] = await Promise.all([
      freshDatabase(postgres.url, "bench_baseline"),
      freshDatabase(postgres.url, "bench_orkestr"),
    ]);
    const config = loadConfig({
      HOST: "127.0.0.1",
      DATABASE_URL: orkestrUrl,
      REDIS_URL: redis.url,
      QUEUE_PREFIX: "bench",
      FLOWS_DIR: flowsDir,
      DATA_DIR: dataDir,
      LOG_LEVEL: "warn",
      TELEGRAM_BOT_TOKEN: "123:BENCH-token",
      TELEGRAM_API_ROOT: telegram.url,
      // Only handed to the fake's setWebhook: the benchmark posts the updates itself.
      TELEGRAM_WEBHOOK_URL: `https://bot.example.test${webhookPath}`,
      TELEGRAM_WEBHOOK_SECRET: secret,
    });
    const start = async (child: AppProcess, databaseUrl: string): Promise<BotUnderTest> => {
      cleanups.push(() => child.stop());
      await child.start();
      return { process: child, webhookUrl: `${child.url}${webhookPath}`, database: new URL(databaseUrl).pathname.slice(1) };
    };
    // One after another, so that three start-ups do not share two cores and a failure names its process.
    const baseline = await start(
      await AppProcess.create({ ...config, DATABASE_URL: baselineUrl }, {}, "bench/turns/bare-grammy-bot.ts"),
      baselineUrl,
    );
    const orkestr = await start(await AppProcess.create(config), orkestrUrl);
    return {
      telegram,
      secret,
      postgres: { url: postgres.url, logFile: join(postgresDir, "postgres.log") },
      redisUrl: redis.url,
      baseline,
      orkestr,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
