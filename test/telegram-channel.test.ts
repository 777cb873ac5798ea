import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../app/config.ts";
import { type RunningOrkestr, webhookBodyLimitBytes } from "../app/orkestr-app.ts";
import { FakeTelegramApi } from "./fakes/fake-telegram-api.ts";
import { withDatabaseAway } from "./support/database-outage.ts";
import { postOnOwnConnection } from "./support/post-on-own-connection.ts";
import { loadTelegramSpec, telegramCallProblems } from "./support/telegram-spec.ts";
import { startTestApp, startTestAppWithDatabase, type TestAppWithDatabase, testConfig } from "./support/test-app.ts";
import { waitFor } from "./support/wait-for.ts";

/** The real grammY bot in the app, long polling a local fake Bot API server; PostgreSQL and Redis are real. */
describe("Telegram channel (grammY against a fake Bot API)", () => {
  const api = new FakeTelegramApi();
  let running: TestAppWithDatabase;

  beforeAll(async () => {
    await api.start();
    running = await startTestAppWithDatabase({
      TELEGRAM_BOT_TOKEN: "123:TEST-token",
      TELEGRAM_API_ROOT: api.url,
      TELEGRAM_PAID_BROADCAST: "true",
      TELEGRAM_BULK_RATE: "1000",
    });
  });
  afterAll(async () => {
    await running?.stop();
    await api.stop();
  });

  const identityBlocked = (chatId: string) => running.isBlocked("telegram", chatId);

  it("runs a flow: /start, inline button press, a typed answer, and a follow-up (bulk, a paid broadcast)", async () => {
    api.pushText(42, "/start");
    const hello = (await api.waitForSent(42, 1))[0] as { text: string; params: Record<string, unknown> };
    expect(hello?.text).toBe("Hello, Анна!");
    expect(hello?.params.parse_mode).toBe("HTML");
    const keyboard = (hello.params.reply_markup as { inline_keyboard: Array<Array<{ text: string; callback_data: string }>> })
      .inline_keyboard;
    expect(keyboard[0]?.[0]?.text).toBe("Continue");

    api.pushCallback(42, keyboard[0]?.[0]?.callback_data as string, {
      message_id: 1,
      date: 0,
      chat: { id: 42, type: "private" },
      reply_markup: hello?.params.reply_markup,
    });
    expect((await api.waitForSent(42, 2))[1]?.text).toBe("Your name?");
    expect(api.calls.some((c) => c.method === "answerCallbackQuery")).toBe(true);

    api.pushText(42, "<i>Bob</i>");
    expect((await api.waitForSent(42, 3))[2]?.text).toBe("Thanks, &lt;i&gt;Bob&lt;/i&gt;");
    const sent = await api.waitForSent(42, 4);
    expect(sent[3]?.text).toBe("Follow-up for &lt;i&gt;Bob&lt;/i&gt;");
    // With TELEGRAM_PAID_BROADCAST the bot's own messages are paid broadcasts; replies are not.
    expect(sent.map((m) => m.params.allow_paid_broadcast)).toEqual([undefined, undefined, undefined, true]);
  });

  it("answers a press on a button of an old message politely", async () => {
    api.pushText(7, "/start");
    await api.waitForSent(7, 1);
    api.pushCallback(7, "b|1|0|AAAAAA", { message_id: 1, date: 0, chat: { id: 7, type: "private" } });
    expect((await api.waitForSent(7, 2))[1]?.text).toMatch(/^Эта кнопка уже неактуальна/);
  });

  it("ignores a redelivered update", async () => {
    const update = api.textMessage(9, "/start");
    const id = api.push(update);
    await api.waitForSent(9, 1);
    api.redeliver(id, update);
    api.pushText(9, "/start"); // a new update: handled after the redelivery, so both were seen
    await api.waitForSent(9, 2);
    await new Promise((r) => setTimeout(r, 300));
    expect(api.sent(9).map((m) => m.text)).toEqual(["Hello, Анна!", "Hello, Анна!"]);
  });

  it("stores where the contact came from: first and last deep-link source", async () => {
    api.pushText(16, "/start counter__vk_ads");
    await api.waitForSent(16, 1);
    api.pushText(16, "/start counter__newsletter");
    await api.waitForSent(16, 2);
    const { rows } = await running.db.query(
      `SELECT c."firstSource", c."lastSource" FROM "Contact" c JOIN "ChannelIdentity" i ON i."contactId" = c.id
       WHERE i.channel = 'telegram' AND i."externalId" = '16'`,
    );
    expect(rows).toEqual([{ firstSource: "counter__vk_ads", lastSource: "counter__newsletter" }]);
    expect(api.sent(16).map((m) => m.text)).toEqual(["Send anything", "Send anything"]);
  });

  it("waits out a 429 for its retry_after and delivers once", async () => {
    api.rateLimitNext(11, 1, 1);
    api.pushText(11, "/start");
    expect((await api.waitForSent(11, 1)).map((m) => m.text)).toEqual(["Hello, Анна!"]);
    const attempts = api.calls.filter((c) => c.method === "sendMessage" && c.params.chat_id === "11");
    expect(attempts.map((c) => c.status)).toEqual([429, 200]);
    // The retry came no earlier than retry_after (1 s) asked.
    expect((attempts[1]?.at ?? 0) - (attempts[0]?.at ?? 0)).toBeGreaterThanOrEqual(1_000);
  });

  it("waits out a retry_after longer than a minute to the second, without giving the message up", async () => {
    api.rateLimitNext(17, 1, 90);
    const asked = Date.now();
    api.pushText(17, "/start");
    const row = await waitFor(
      async () =>
        (await running.db.query(`SELECT status, "nextAttemptAt" FROM "OutboxMessage" WHERE "externalId" = '17'`)).rows[0] as
          | { status: string; nextAttemptAt: Date | null }
          | undefined,
      (r) => r?.nextAttemptAt != null,
      "the reply put back to wait",
    );
    expect(row?.status).toBe("pending");
    const wait = (row?.nextAttemptAt?.getTime() ?? 0) - asked;
    expect(wait).toBeGreaterThanOrEqual(89_000);
    expect(wait).toBeLessThan(100_000);
  });

  it("keeps an update taken by long polling while the database is away, and answers it once it is back", async () => {
    await withDatabaseAway(
      running.config,
      async () => {
        api.pushText(18, "/start");
        // The runner has taken the update; the database refuses it for a while.
        await new Promise((r) => setTimeout(r, 2_000));
        expect(api.sent(18)).toEqual([]);
      },
      running.db,
    );
    expect((await api.waitForSent(18, 1)).map((m) => m.text)).toEqual(["Hello, Анна!"]);
  });

  it("keeps a message Telegram refuses (400) as failed without retrying it, and goes on", async () => {
    api.rejectNext(15, "Bad Request: chat not found");
    api.pushText(15, "/start burst");
    expect((await api.waitForSent(15, 4)).map((m) => m.text)).toEqual(["Two", "Three", "Four", "Five"]);
    const attempts = api.calls.filter((c) => c.method === "sendMessage" && c.params.chat_id === "15");
    expect(attempts.map((c) => c.status)).toEqual([400, 200, 200, 200, 200]);
    const { rows } = await running.db.query(
      `SELECT status, attempts, "lastError" FROM "OutboxMessage" WHERE "externalId" = '15' AND payload->>'text' = 'One'`,
    );
    expect(rows).toEqual([{ status: "failed", attempts: 1, lastError: "Bad Request: chat not found" }]);
  });

  it("marks a user who blocked the bot (403) unreachable, never retries, and sends no more follow-ups", async () => {
    api.pushText(12, "/start");
    await api.waitForSent(12, 1);
    api.block(12);
    await new Promise((r) => setTimeout(r, 2_500)); // the 1.5 s reminder is attempted and refused
    const attempts = api.calls.filter((c) => c.method === "sendMessage" && c.params.chat_id === "12").map((c) => c.status);
    expect(attempts).toEqual([200, 403]);
    expect(await identityBlocked("12")).toBe(true);
  });

  it("stops follow-ups when Telegram reports the bot was blocked (my_chat_member)", async () => {
    api.pushText(13, "/start");
    await api.waitForSent(13, 1);
    api.push({
      my_chat_member: {
        chat: { id: 13, type: "private" },
        from: { id: 13, is_bot: false, first_name: "Анна" },
        date: 0,
        old_chat_member: { status: "member", user: { id: 123, is_bot: true, first_name: "Bot" } },
        new_chat_member: { status: "kicked", user: { id: 123, is_bot: true, first_name: "Bot" }, until_date: 0 },
      },
    });
    await new Promise((r) => setTimeout(r, 2_500));
    expect(api.calls.filter((c) => c.method === "sendMessage" && c.params.chat_id === "13")).toHaveLength(1);
    expect(await identityBlocked("13")).toBe(true);
    api.pushText(13, "/start"); // writing again makes the contact reachable
    await api.waitForSent(13, 2);
    expect(await identityBlocked("13")).toBe(false);
  });

  it("paces a burst to one chat: three at once, the rest after the window", async () => {
    api.pushText(14, "/start burst");
    const sent = await api.waitForSent(14, 5);
    expect(sent.map((m) => m.text)).toEqual(["One", "Two", "Three", "Four", "Five"]);
    const times = api.calls.filter((c) => c.method === "sendMessage" && c.params.chat_id === "14").map((c) => c.at);
    expect((times[3] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(2_500);
  });

  it("uploads a document once and reuses its file_id; a caption over 1024 characters follows as its own message", async () => {
    const guide = readFileSync(new URL("./fixtures/flows/files/guide.pdf", import.meta.url));
    api.pushText(31, "/start files");
    const [first] = await waitFor(
      () => api.documents(31),
      (d) => d.length >= 1,
      "a document to chat 31",
    );
    expect(first?.uploaded).toBe(true);
    expect(first?.file).toMatchObject({
      file_name: "guide.pdf",
      size: guide.length,
      sha256: createHash("sha256").update(guide).digest("hex"),
    });
    expect(first?.params).toMatchObject({ caption: "Your <b>guide</b>, Анна", parse_mode: "HTML" });
    const markup = first?.params.reply_markup as { inline_keyboard: Array<Array<{ text: string; callback_data: string }>> } | undefined;
    const keyboard = markup?.inline_keyboard ?? [];
    expect(keyboard[0]?.[0]?.text).toBe("Long version");
    expect(api.sent(31)).toEqual([]);

    api.pushCallback(31, keyboard[0]?.[0]?.callback_data as string, { message_id: 1, date: 0, chat: { id: 31, type: "private" } });
    const texts = (await api.waitForSent(31, 2)).map((m) => m.text);
    const second = api.documents(31)[1];
    expect(second?.uploaded).toBe(false);
    expect(second?.params.document).toBe(first?.file?.file_id);
    expect(second?.params.caption).toBeUndefined();
    expect(
      texts[0]
        ?.split("\n")
        .map((line) => line.trim())
        .filter(Boolean),
    ).toEqual(Array.from({ length: 50 }, (_, i) => `Paragraph ${i + 1} of the long caption.`));
    expect(texts[0]?.length).toBeGreaterThan(1024);
    expect(texts[1]).toBe("That is all.");

    // Another chat gets the same file by its file_id: no second upload.
    api.pushText(32, "/start files");
    await waitFor(
      () => api.documents(32),
      (d) => d.length >= 1,
      "a document to chat 32",
    );
    expect(api.documents(32)[0]?.uploaded).toBe(false);
    const { rows } = await running.db.query(`SELECT "remoteId" FROM "UploadedFile" WHERE channel = 'telegram'`);
    expect(rows).toEqual([{ remoteId: first?.file?.file_id }]);

    // A file_id Telegram no longer accepts is forgotten and the file uploaded again.
    api.expireFileIds();
    api.pushText(33, "/start files");
    await waitFor(
      () => api.documents(33),
      (d) => d.length >= 1,
      "a document to chat 33",
    );
    const attempts = api.calls.filter((c) => c.method === "sendDocument" && c.params.chat_id === "33");
    expect(attempts.map((c) => [c.status, typeof c.params.document])).toEqual([
      [400, "string"],
      [200, "object"],
    ]);
  });

  it("sent only requests that match the Bot API spec in ../shared/specs", (context) => {
    const spec = loadTelegramSpec();
    if (!spec) {
      console.warn("../shared/specs/telegram/bot-api.json is absent: contract check skipped");
      context.skip();
      return;
    }
    expect(api.calls.length).toBeGreaterThan(5);
    expect(api.calls.flatMap((c) => telegramCallProblems(spec, c.method, c.params))).toEqual([]);
    expect(telegramCallProblems(spec, "sendMessage", { chat_id: 1, txt: "typo" })).toEqual([
      "sendMessage: missing text",
      "sendMessage: unknown parameter txt",
    ]);
  });
});

describe("Telegram webhook mode", () => {
  const api = new FakeTelegramApi();
  let app: RunningOrkestr;
  let config: Config;
  const secret = "s3cret-token";

  beforeAll(async () => {
    await api.start();
    config = await testConfig({
      TELEGRAM_BOT_TOKEN: "123:TEST-token",
      TELEGRAM_API_ROOT: api.url,
      TELEGRAM_WEBHOOK_URL: "https://bot.example.test/telegram/webhook",
      TELEGRAM_WEBHOOK_SECRET: secret,
    });
    app = await startTestApp(config);
  });
  afterAll(async () => {
    await app?.stop();
    await api.stop();
  });

  const post = (update: Record<string, unknown>, headers: Record<string, string>) =>
    fetch(`${app.url}/telegram/webhook`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(update),
    });

  it("registers the webhook with its secret and handles updates that carry it", async () => {
    expect(api.calls.find((c) => c.method === "setWebhook")?.params).toMatchObject({
      url: "https://bot.example.test/telegram/webhook",
      secret_token: secret,
    });
    const response = await post({ update_id: 1, ...api.textMessage(21, "/start") }, { "x-telegram-bot-api-secret-token": secret });
    expect(response.status).toBe(200);
    expect((await api.waitForSent(21, 1))[0]?.text).toBe("Hello, Анна!");
  });

  it("answers an update it failed to handle (the database away) with 500, so Telegram delivers it again", async () => {
    const update = { update_id: 5, ...api.textMessage(24, "/start") };
    const headers = { "x-telegram-bot-api-secret-token": secret };
    await withDatabaseAway(config, async () => {
      expect((await post(update, headers)).status).toBe(500);
    });
    expect((await post(update, headers)).status).toBe(200);
    expect((await api.waitForSent(24, 1))[0]?.text).toBe("Hello, Анна!");
  });

  it("stores and answers an update whose text has a NUL or half an emoji (PostgreSQL takes neither as it is)", async () => {
    const headers = { "x-telegram-bot-api-secret-token": secret };
    expect((await post({ update_id: 6, ...api.textMessage(25, "/start") }, headers)).status).toBe(200);
    await api.waitForSent(25, 1);
    expect((await post({ update_id: 7, ...api.textMessage(25, "Hi\u0000 there \uD83D") }, headers)).status).toBe(200);
    expect((await api.waitForSent(25, 2))[1]?.text).toBeDefined();
  });

  it("acknowledges malformed updates with 200, keeps each with the reason, and goes on with the good ones", async () => {
    const headers = { "x-telegram-bot-api-secret-token": secret };
    const good = api.textMessage(26, "/start") as { message: { chat: object; from: object } };
    const poison = [
      { update_id: 8, message: { ...good.message, chat: { type: "private" } } },
      {
        update_id: 9,
        callback_query: {
          id: "q",
          from: good.message.from,
          data: "b|1|0|abcdef",
          message: { chat: good.message.chat, reply_markup: { inline_keyboard: "no" } },
        },
      },
      { update_id: 10, message: { ...good.message, text: undefined, contact: { phone_number: 79001234567 } } },
    ];
    for (const update of poison) expect((await post(update, headers)).status).toBe(200);
    expect((await post({ update_id: 11, ...good }, headers)).status).toBe(200);
    expect((await api.waitForSent(26, 1))[0]?.text).toBe("Hello, Анна!");
    const db = new pg.Client({ connectionString: config.DATABASE_URL });
    await db.connect();
    const { rows } = await db.query(`SELECT key, reason FROM "RejectedInbound" ORDER BY id`);
    await db.end();
    expect(rows.map((r) => r.key)).toEqual(["8", "9", "10"]);
    expect(rows[0].reason).toContain("message.chat.id");
    expect(rows[1].reason).toContain("callback_query.message.reply_markup.inline_keyboard");
    expect(rows[2].reason).toContain("message.contact.phone_number");
  });

  it("keeps a malformed update that carries arrays nested too deep to write back as JSON, instead of failing with 500", async () => {
    const good = api.textMessage(27, "/start") as { message: Record<string, unknown> };
    const depth = 6_000;
    const body = JSON.stringify({ update_id: 12, message: { ...good.message, chat: { type: "private" } }, nested: "here" }).replace(
      '"here"',
      "[".repeat(depth) + "]".repeat(depth),
    );
    const response = await fetch(`${app.url}/telegram/webhook`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": secret },
      body,
    });
    expect(response.status).toBe(200);
    const db = new pg.Client({ connectionString: config.DATABASE_URL });
    await db.connect();
    const { rows } = await db.query(`SELECT reason FROM "RejectedInbound" WHERE key = '12'`);
    await db.end();
    expect(rows).toHaveLength(1);
    expect(rows[0].reason).toContain("message.chat.id");
  });

  it("acknowledges and keeps a body grammY cannot begin to read (not JSON, null, an unprintable update_id), and still refuses one without the secret", async () => {
    const postRaw = (body: string, headers: Record<string, string>) =>
      fetch(`${app.url}/telegram/webhook`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
    const right = { "x-telegram-bot-api-secret-token": secret };
    const deepUpdateId = `{"update_id": ${"[".repeat(6_000)}${"]".repeat(6_000)}}`;
    expect((await postRaw('{"update_id": 13, "message": ', right)).status).toBe(200);
    expect((await postRaw("null", right)).status).toBe(200);
    expect((await postRaw(deepUpdateId, right)).status).toBe(200);
    expect((await postRaw("{not json", { "x-telegram-bot-api-secret-token": "guess" })).status).toBe(401);
    const db = new pg.Client({ connectionString: config.DATABASE_URL });
    await db.connect();
    const { rows } = await db.query(`SELECT key, reason, body FROM "RejectedInbound" WHERE key IS NULL ORDER BY id`);
    await db.end();
    expect(rows).toEqual([
      { key: null, reason: "the body is not JSON", body: '{"update_id": 13, "message": ' },
      { key: null, reason: "the body is not a JSON object", body: "null" },
      { key: null, reason: "update_id: not a number", body: deepUpdateId },
    ]);
  });

  it("acknowledges updates of kinds it does not read whatever their chat looks like, and keeps none of them", async () => {
    const headers = { "x-telegram-bot-api-secret-token": secret };
    const unread = [
      { update_id: 15, edited_message: { message_id: 1, date: 0, chat: {}, text: "edited" } },
      { update_id: 16, channel_post: { message_id: 1, date: 0, chat: 5 } },
      { update_id: 17, message_reaction: { chat: {}, message_id: 1, date: 0, old_reaction: [], new_reaction: [] } },
    ];
    for (const update of unread) expect((await post(update, headers)).status).toBe(200);
    const db = new pg.Client({ connectionString: config.DATABASE_URL });
    await db.connect();
    const { rows } = await db.query(`SELECT key FROM "RejectedInbound" WHERE key IN ('15', '16', '17')`);
    await db.end();
    expect(rows).toEqual([]);
  });

  it("refuses a body over 1 MiB with 413 before reading it, even with the right secret", async () => {
    const padding = "x".repeat(webhookBodyLimitBytes);
    const update = JSON.stringify({ update_id: 4, ...api.textMessage(23, `/start ${padding}`) });
    const response = await postOnOwnConnection(`${app.url}/telegram/webhook`, update, { "x-telegram-bot-api-secret-token": secret });
    expect(response.status).toBe(413);
    await new Promise((r) => setTimeout(r, 300));
    expect(api.sent(23)).toEqual([]);
  });

  it("rejects a forged request (wrong or missing secret) with 401 and processes nothing", async () => {
    expect((await post({ update_id: 2, ...api.textMessage(22, "/start") }, { "x-telegram-bot-api-secret-token": "guess" })).status).toBe(
      401,
    );
    expect((await post({ update_id: 3, ...api.textMessage(22, "/start") }, {})).status).toBe(401);
    await new Promise((r) => setTimeout(r, 300));
    expect(api.sent(22)).toEqual([]);
  });
});
