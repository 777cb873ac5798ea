import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bench, describe } from "vitest";
import { telegramFreeBulkRate } from "../core/pacing-redis/redis-send-pacer.ts";
import { startPostgres } from "../scripts/postgres-service.ts";
import { startRedis } from "../scripts/redis-service.ts";
import { FakeTelegramApi } from "../test/fakes/fake-telegram-api.ts";
import { type FollowUpFigures, type FollowUpScenario, runFollowUpScenario } from "./follow-ups/follow-up-scenario.ts";
import { describeMachine } from "./turns/describe-machine.ts";

/**
 * Follow-ups at scale (docs/benchmarks.md, "Follow-ups"): many falling due together, fired by the
 * app as shipped against a durable PostgreSQL and a real Redis. On the web chat (no platform cap)
 * lateness is what counts; on Telegram, through a fake Bot API that answers 429 past Telegram's
 * broadcast limits, the rate against TELEGRAM_BULK_RATE. Prints a markdown table.
 */

/** FOLLOW_UP_BENCH_SCALE=0.1 for a quick look; figures worth writing down take the default. */
const scale = Number(process.env.FOLLOW_UP_BENCH_SCALE ?? 1);
const paidRate = 300;

interface Row {
  label: string;
  scenario: FollowUpScenario;
  /** The rate the bot may send at, for the ratio; none for the web chat. */
  cap?: number;
}

function rows(telegramApi: string): Row[] {
  const telegram = { TELEGRAM_BOT_TOKEN: "123456:bench-token", TELEGRAM_API_ROOT: telegramApi };
  return [
    {
      label: "web chat, due within 10 s",
      scenario: { channel: "web", count: Math.round(10_000 * scale), spreadMs: 10_000, env: {} },
    },
    {
      label: `Telegram, free bulk lane (${telegramFreeBulkRate}/s), due at once`,
      scenario: { channel: "telegram", count: Math.round(600 * scale), spreadMs: 1_000, env: telegram },
      cap: telegramFreeBulkRate,
    },
    {
      label: `Telegram, paid broadcast at ${paidRate}/s, due at once`,
      scenario: {
        channel: "telegram",
        count: Math.round(3_000 * scale),
        spreadMs: 1_000,
        env: { ...telegram, TELEGRAM_PAID_BROADCAST: "true", TELEGRAM_BULK_RATE: String(paidRate) },
      },
      cap: paidRate,
    },
  ];
}

function table(results: Array<{ row: Row; figures: FollowUpFigures; refused: number }>): string {
  const seconds = (s: number) => `${s.toFixed(2)} s`;
  const lines = [
    "| Scenario | Follow-ups | Sent per s | ÷ bulk rate | Lateness p50 | Lateness p99 | 429 answers | Re-arm on start | Redis per pending |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...results.map(
      ({ row, figures, refused }) =>
        `| ${row.label} | ${row.scenario.count.toLocaleString("en")} | ${figures.sentPerSecond.toFixed(1)} | ` +
        `${row.cap ? (figures.sentPerSecond / row.cap).toFixed(3) : "—"} | ${seconds(figures.latenessP50)} | ${seconds(figures.latenessP99)} | ` +
        `${row.scenario.channel === "telegram" ? refused : "—"} | ${Math.round(figures.rearmMs)} ms | ${Math.round(figures.redisBytesPerFollowUp)} B |`,
    ),
  ];
  return lines.join("\n");
}

describe("follow-ups at scale: web chat lateness, Telegram bulk rate", () => {
  bench(
    "every scenario once (the figures are the table printed above; this timing is the whole run)",
    async () => {
      const dirs = await Promise.all(["pg", "redis"].map((name) => mkdtemp(join(tmpdir(), `orkestr-follow-up-bench-${name}-`))));
      const [postgres, redis] = await Promise.all([
        startPostgres({ dir: dirs[0] as string, durable: true }),
        startRedis({ dir: dirs[1] as string }),
      ]);
      const telegram = await new FakeTelegramApi().start();
      telegram.capBroadcasts();
      try {
        const results = [];
        for (const row of rows(telegram.url)) {
          const callsBefore = telegram.calls.length;
          const figures = await runFollowUpScenario(row.scenario, { postgresUrl: postgres.url, redisUrl: redis.url });
          const refused = telegram.calls.slice(callsBefore).filter((call) => call.status === 429).length;
          results.push({ row, figures, refused });
        }
        console.log(`${await describeMachine(postgres.url, redis.url)}\n\n${table(results)}`);
      } finally {
        await telegram.stop();
        await Promise.all([postgres.stop(), redis.stop()]);
        await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
      }
    },
    { iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 },
  );
});
