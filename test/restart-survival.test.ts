import { Redis } from "ioredis";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../app/config.ts";
import { AppProcess } from "./support/app-process.ts";
import { testConfig } from "./support/test-app.ts";
import { WebChatClient } from "./support/web-chat-client.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Integration: the real app process stopped and started again on the same PostgreSQL and Redis. */
describe("restart survival", () => {
  let db: pg.Client;
  let config: Config;
  let app: AppProcess;

  beforeAll(async () => {
    config = await testConfig({ LOG_LEVEL: "info" });
    db = new pg.Client({ connectionString: config.DATABASE_URL });
    await db.connect();
  });
  afterEach(async () => {
    await app?.stop("SIGKILL");
  });
  afterAll(async () => {
    await db?.end();
  });

  const followUpRows = async (session: string) =>
    (
      await db.query(
        `SELECT f."stepId", f.status FROM "FollowUp" f JOIN "Conversation" c ON c.id = f."conversationId"
         JOIN "ChannelIdentity" i ON i."contactId" = c."contactId" WHERE i."externalId" = $1 ORDER BY f."dueAt"`,
        [session],
      )
    ).rows;

  /** Walks to the "thanks" step, whose 3 s follow-up is then pending. */
  const reachThanks = async (chat: WebChatClient) => {
    await chat.start("reminder");
    await chat.waitForBotMessages(1);
    await chat.press("Continue");
    await chat.waitForBotMessages(2);
    await chat.say("Bob");
    expect(await chat.waitForBotMessages(3)).toEqual(["Hello, guest!", "Your name?", "Thanks, Bob"]);
  };

  it("shuts down gracefully on SIGTERM; after a restart the conversation continues and the due follow-up fires once", async () => {
    app = await AppProcess.create(config);
    await app.start();
    const chat = new WebChatClient(app.url);
    await reachThanks(chat);

    expect(await app.stop("SIGTERM")).toBe(0);
    expect(app.output).toContain("stopped");
    await sleep(3_500); // the follow-up falls due while the app is down

    await app.start();
    const texts = await chat.waitForBotMessages(4);
    expect(texts[3]).toBe("Follow-up for Bob");
    await sleep(1_000);
    expect(await chat.botTexts()).toHaveLength(4);
    expect(await followUpRows(chat.session)).toEqual([
      { stepId: "hello", status: "cancelled" },
      { stepId: "thanks", status: "fired" },
    ]);

    await chat.press("Again");
    expect((await chat.waitForBotMessages(5))[4]).toBe("Hello, Bob!");
  });

  it("re-arms pending follow-ups from PostgreSQL when a crash also lost them in Redis", async () => {
    app = await AppProcess.create({ ...config, QUEUE_PREFIX: `${config.QUEUE_PREFIX}x` });
    await app.start();
    const chat = new WebChatClient(app.url);
    await reachThanks(chat);

    await app.stop("SIGKILL");
    const redis = new Redis(config.REDIS_URL);
    const keys = await redis.keys(`${config.QUEUE_PREFIX}x:*`);
    expect(keys.length).toBeGreaterThan(0);
    await redis.del(...keys);
    redis.disconnect();

    await app.start();
    expect((await chat.waitForBotMessages(4))[3]).toBe("Follow-up for Bob");
    await sleep(1_000);
    expect(await chat.botTexts()).toHaveLength(4);
  });
});
