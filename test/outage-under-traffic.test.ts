import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startPostgres } from "../scripts/postgres-service.ts";
import { startRedis } from "../scripts/redis-service.ts";
import type { RunningService } from "../scripts/service-process.ts";
import { FakeTelegramApi } from "./fakes/fake-telegram-api.ts";
import { FakeVkApi } from "./fakes/fake-vk-api.ts";
import { AppProcess } from "./support/app-process.ts";
import { freshDatabase } from "./support/fresh-database.ts";
import { RedeliveringSender, type WebhookPost } from "./support/redelivering-sender.ts";
import { testConfig } from "./support/test-app.ts";
import { waitFor } from "./support/wait-for.ts";

/** Telegram chats 1…40 and VK peers 101…140; the second half starts writing while the service is away. */
const contactsPerChannel = 40;
/** What every contact writes, one after the other (fixture flows burst and counter). */
const script = ["/start burst", "/start counter", "one more"];
/** What every contact must read, each exactly once and in this order. */
const expectedReplies = ["One", "Two", "Three", "Four", "Five", "Send anything", "Send anything"];
const totalReplies = 2 * contactsPerChannel * expectedReplies.length;
const outageMs = 2_000;
/** A platform gives up waiting for an answer after a while and delivers the update again. */
const requestTimeoutMs = 20_000;
const telegramSecret = "outage-secret";
const vkGroupId = 781;
const vkSecret = "outage-cb-secret";

/**
 * The real app process under traffic from Telegram (webhook) and VK (Callback API) while its
 * PostgreSQL or its Redis is stopped and started again. The "platforms" deliver again whatever
 * the app does not accept. Every contact must read every reply exactly once, in order, and the
 * process must ride it out. PostgreSQL and Redis are this file's own: the other files keep theirs.
 */
describe("outages of PostgreSQL and Redis under Telegram and VK traffic (real app process)", () => {
  let postgresDir: string;
  let redisDir: string;
  let postgres: RunningService;
  let redis: RunningService;
  let telegram: FakeTelegramApi | undefined;
  let vk: FakeVkApi | undefined;
  let app: AppProcess | undefined;
  let db: pg.Client | undefined;

  beforeAll(async () => {
    // A directory each: as root, PostgreSQL runs as its own OS user, which must own its directory.
    postgresDir = await mkdtemp(join(tmpdir(), "orkestr-outage-pg-"));
    redisDir = await mkdtemp(join(tmpdir(), "orkestr-outage-redis-"));
    // One after the other: should the second fail to start, afterAll still stops the first.
    postgres = await startPostgres({ dir: postgresDir });
    redis = await startRedis({ dir: redisDir });
  });
  afterEach(async () => {
    await db?.end();
    await app?.stop("SIGKILL");
    await Promise.all([telegram?.stop(), vk?.stop()]);
  });
  afterAll(async () => {
    await Promise.allSettled([postgres?.stop(), redis?.stop()]);
    await Promise.all([postgresDir, redisDir].map((dir) => rm(dir, { recursive: true, force: true })));
  });

  /** Stops the service, runs `whileAway`, and after a pause starts it again on the same data directory and port. */
  const restartPostgres = async (whileAway: () => void) => {
    await postgres.stop();
    whileAway();
    await sleep(outageMs);
    postgres = await startPostgres({ dir: postgresDir, port: portOf(postgres.url) });
  };
  const restartRedis = async (whileAway: () => void) => {
    await redis.stop();
    whileAway();
    await sleep(outageMs);
    redis = await startRedis({ dir: redisDir, port: portOf(redis.url) });
  };

  /**
   * Starts the app with fresh platform fakes and a fresh database, sends every contact's script
   * (the second half of the contacts while the service is away), waits until every update is
   * accepted and every outbox row sent, and checks what every contact read.
   */
  const trafficThrough = async (restart: (whileAway: () => void) => Promise<void>): Promise<RedeliveringSender> => {
    const telegramApi = await new FakeTelegramApi().start();
    const vkApi = await new FakeVkApi(vkGroupId).start();
    [telegram, vk] = [telegramApi, vkApi];
    const config = await testConfig({
      DATABASE_URL: await freshDatabase(postgres.url),
      REDIS_URL: redis.url,
      TELEGRAM_BOT_TOKEN: "123:TEST-token",
      TELEGRAM_API_ROOT: telegramApi.url,
      TELEGRAM_WEBHOOK_URL: "https://bot.example.test/telegram/webhook",
      TELEGRAM_WEBHOOK_SECRET: telegramSecret,
      VK_GROUP_TOKEN: "vk1.a.test-token",
      VK_GROUP_ID: String(vkGroupId),
      VK_API_BASE_URL: `${vkApi.url}/method`,
      VK_CONFIRMATION_CODE: "conf-outage",
      VK_CALLBACK_SECRET: vkSecret,
      WEBCHAT_ENABLED: "false",
    });
    const running = await AppProcess.create(config);
    app = running;
    await running.start();

    const sender = new RedeliveringSender({ pauseMs: 250, patienceMs: 60_000 });
    const startContacts = (from: number, to: number) => {
      for (let n = from; n <= to; n++) {
        const [chat, peer] = [n, 100 + n];
        sender.sendInOrder(
          "telegram",
          chat,
          script.map((text, i) => telegramPost(running.url, { update_id: chat * 10 + i, ...telegramApi.textMessage(chat, text) })),
        );
        sender.sendInOrder(
          "vk",
          peer,
          script.map((text, i) => vkPost(running.url, vkMessageNew(peer * 10 + i, peer, text))),
        );
      }
    };
    const seen = () =>
      Array.from({ length: contactsPerChannel }, (_, i) => [
        telegramApi.sent(i + 1).map((m) => m.text),
        vkApi.sent(101 + i).map((m) => m.text),
      ]).flat();
    const delivered = () => seen().reduce((sum, texts) => sum + texts.length, 0);

    const half = contactsPerChannel / 2;
    startContacts(1, half);
    await waitFor(delivered, (count) => count >= totalReplies / 8, "replies going out before the outage", 60_000);
    await restart(() => startContacts(half + 1, contactsPerChannel));
    await sender.finished();
    expect(sender.givenUp).toEqual([]);

    db = new pg.Client({ connectionString: config.DATABASE_URL });
    await db.connect();
    const client = db;
    const outbox = async () =>
      (await client.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM "OutboxMessage" GROUP BY status`)).rows;
    // What a drain that failed during the outage left behind is sent by the sweep (every 30 s).
    await waitFor(outbox, (rows) => rows.length === 1 && rows[0]?.status === "sent", "every outbox row sent", 75_000);
    expect(await outbox()).toEqual([{ status: "sent", n: totalReplies }]);
    // Counted by what each person read: a second send with the same random_id is not shown by VK.
    const wrong = seen().flatMap((texts, i) => (equal(texts, expectedReplies) ? [] : [{ contact: contactName(i), texts }]));
    expect(wrong).toEqual([]);
    expect(delivered()).toBe(totalReplies);

    await waitFor(
      () => fetch(`${running.url}/health`).then((r) => r.status),
      (status) => status === 200,
      "the app healthy again",
    );
    expect(running.output).not.toMatch(/triggerUncaughtException|UnhandledPromiseRejection|uncaughtException/);
    // Connection errors go through the app's logger, not as ioredis' raw "Unhandled error event".
    expect(running.output).not.toContain("Unhandled error event");
    expect(await running.stop("SIGTERM")).toBe(0);
    return sender;
  };

  it("PostgreSQL stopped and started again: inbound refused with a retryable answer and delivered again, nothing lost or doubled", async () => {
    const sender = await trafficThrough(restartPostgres);
    // The outage met inbound on both channels.
    expect(sender.refusals("telegram", /^5\d\d /)).toBeGreaterThan(0);
    expect(sender.refusals("vk", /^5\d\d /)).toBeGreaterThan(0);
  }, 180_000);

  it("Redis stopped and started again: inbound still accepted, nothing lost or doubled", async () => {
    const sender = await trafficThrough(restartRedis);
    // Turns do not need Redis: no update was refused; at most an answer slowed by its replies' sends came too late.
    expect([...sender.refused.keys()].filter((answer) => !answer.endsWith(" TimeoutError"))).toEqual([]);
  }, 180_000);
});

const telegramPost =
  (url: string, update: Record<string, unknown>): WebhookPost =>
  async () => {
    const response = await fetch(`${url}/telegram/webhook`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": telegramSecret },
      body: JSON.stringify(update),
      signal: AbortSignal.timeout(requestTimeoutMs),
    });
    const body = await response.text();
    // Telegram takes any 2xx as delivered and tries again after anything else.
    return { accepted: response.ok, answer: `${response.status} ${body.slice(0, 40)}` };
  };

const vkPost =
  (url: string, event: Record<string, unknown>): WebhookPost =>
  async () => {
    const response = await fetch(`${url}/vk/callback`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(event),
      signal: AbortSignal.timeout(requestTimeoutMs),
    });
    const body = await response.text();
    // VK takes only the body "ok" as delivered.
    return { accepted: body === "ok", answer: `${response.status} ${body.slice(0, 40)}` };
  };

const vkMessageNew = (id: number, peer: number, text: string) => ({
  type: "message_new",
  group_id: vkGroupId,
  event_id: `ev${id}`,
  v: "5.199",
  secret: vkSecret,
  object: {
    message: { id, date: 0, peer_id: peer, from_id: peer, text, out: 0 },
    client_info: { keyboard: true, inline_keyboard: true },
  },
});

/** `seen()` lists Telegram chat n and VK peer 100 + n side by side. */
const contactName = (index: number) => (index % 2 === 0 ? `telegram ${index / 2 + 1}` : `vk ${101 + (index - 1) / 2}`);
const portOf = (url: string) => Number(new URL(url).port);
const equal = (a: string[], b: string[]) => a.length === b.length && a.every((value, i) => value === b[i]);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
