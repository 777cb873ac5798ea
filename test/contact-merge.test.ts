import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeTelegramApi } from "./fakes/fake-telegram-api.ts";
import { FakeVkApi } from "./fakes/fake-vk-api.ts";
import { startTestAppWithDatabase, type TestAppWithDatabase } from "./support/test-app.ts";
import { WebChatClient } from "./support/web-chat-client.ts";
import { WebChatStream } from "./support/web-chat-stream.ts";

/** One person on Telegram and VK: the same email joins the two contacts; follow-ups go where they wrote last. */
describe("one customer on several channels", () => {
  const telegram = new FakeTelegramApi();
  const vk = new FakeVkApi(555);
  let running: TestAppWithDatabase;

  beforeAll(async () => {
    await Promise.all([telegram.start(), vk.start()]);
    running = await startTestAppWithDatabase({
      TELEGRAM_BOT_TOKEN: "123:TEST-token",
      TELEGRAM_API_ROOT: telegram.url,
      VK_GROUP_TOKEN: "vk1.a.test-token",
      VK_GROUP_ID: "555",
      VK_API_BASE_URL: `${vk.url}/method`,
    });
  });
  afterAll(async () => {
    await running?.stop();
    await Promise.all([telegram.stop(), vk.stop()]);
  });

  it("merges the contacts (identities, fields, tags), keeps the newer conversation, and follows up on the channel used last", async () => {
    telegram.pushText(81, "/start news__tg");
    await telegram.waitForSent(81, 1);
    telegram.pressButton(81, "Согласен");
    await telegram.waitForSent(81, 2);
    telegram.pushText(81, "Ann@Example.com");
    await telegram.waitForSent(81, 3);

    vk.pushMessage(82, "Начать", { ref: "news__vk" });
    await vk.waitForSent(82, 1);
    vk.pressButton(82, "Согласен");
    await vk.waitForSent(82, 2);
    vk.pushMessage(82, "ann@example.com");
    expect((await vk.waitForSent(82, 3))[2]?.text).toBe("Subscribed");

    const { rows: contacts } = await running.db.query(
      `SELECT c.id, c."firstName", c.email, c.tags, c."firstSource", c."lastSource", c."consentVersion",
              array_agg(i.channel ORDER BY i.channel) AS channels
       FROM "Contact" c JOIN "ChannelIdentity" i ON i."contactId" = c.id
       WHERE i."externalId" IN ('81', '82') GROUP BY c.id`,
    );
    expect(contacts).toEqual([
      expect.objectContaining({
        firstName: "Анна",
        email: "ann@example.com",
        tags: ["subscriber"],
        firstSource: "news__tg",
        lastSource: "news__vk",
        consentVersion: "v1",
        channels: ["telegram", "vk"],
      }),
    ]);
    const { rows: merged } = await running.db.query(`SELECT data FROM "Event" WHERE type = 'contacts_merged'`);
    expect(merged).toEqual([{ data: expect.objectContaining({ reason: "email" }) }]);

    // The Telegram conversation (older) gave way to the VK one: one follow-up, on VK.
    expect((await vk.waitForSent(82, 4))[3]?.text).toBe("News for ann@example.com");
    await new Promise((r) => setTimeout(r, 1_500));
    expect(telegram.sent(81).map((m) => m.text)).toEqual(["Agree?", "Email?", "Subscribed"]);

    // Writing on Telegram again continues the conversation begun on VK, and the next follow-up
    // comes to Telegram, now the channel used last.
    telegram.pushText(81, "More");
    expect((await telegram.waitForSent(81, 5)).slice(3).map((m) => m.text)).toEqual(["Subscribed", "News for ann@example.com"]);
    expect(vk.sent(82)).toHaveLength(4);
  });

  it("links accounts on request: /link gives a one-time code, sending it from the other messenger joins the contacts", async () => {
    telegram.pushText(91, "/start counter");
    await telegram.waitForSent(91, 1);
    telegram.pushText(91, "/link");
    const codeMessage = (await telegram.waitForSent(91, 2))[1]?.text ?? "";
    const code = /link-[A-Z2-9]{6}/.exec(codeMessage)?.[0] as string;
    expect(codeMessage).toMatch(/^Чтобы связать аккаунты, отправьте боту в другом мессенджере/);
    expect(code).toBeDefined();

    vk.pushMessage(92, code.toLowerCase());
    expect((await vk.waitForSent(92, 1))[0]?.text).toBe("Готово, аккаунты связаны: продолжайте там, где вам удобнее.");
    const { rows } = await running.db.query(
      `SELECT array_agg(i.channel || ':' || i."externalId" ORDER BY i.channel) AS identities
       FROM "ChannelIdentity" i WHERE i."externalId" IN ('91', '92') GROUP BY i."contactId"`,
    );
    expect(rows).toEqual([{ identities: ["telegram:91", "vk:92"] }]);

    // The code works once; an unknown one gets a polite answer, and a stranger's guess leaves no contact.
    vk.pushMessage(93, code);
    expect((await vk.waitForSent(93, 1))[0]?.text).toMatch(/^Этот код не подошёл/);
    expect(await identitiesOf("vk", "93")).toBe(0);
  });

  const identitiesOf = async (channel: string, externalId: string) =>
    (await running.db.query(`SELECT 1 FROM "ChannelIdentity" WHERE channel = $1 AND "externalId" = $2`, [channel, externalId])).rowCount;

  it("gives one account five link-code attempts an hour, and a guess creates no contact", async () => {
    const guesses = ["link-AAAAAA", "link-BBBBBB", "link-CCCCCC", "link-DDDDDD", "link-EEEEEE", "link-FFFFFF"];
    for (const [index, guess] of guesses.entries()) {
      vk.pushMessage(94, guess);
      await vk.waitForSent(94, index + 1);
    }
    const answers = (await vk.waitForSent(94, 6)).map((m) => m.text);
    expect(answers.slice(0, 5).every((text) => /^Этот код не подошёл/.test(text))).toBe(true);
    expect(answers[5]).toBe("Слишком много попыток ввести код. Попробуйте снова через час.");
    expect(await identitiesOf("vk", "94")).toBe(0);
    const { rows } = await running.db.query(`SELECT count(*)::int AS n FROM "Event" WHERE data::text LIKE '%link-AAAAAA%'`);
    expect(rows).toEqual([{ n: 0 }]);
  });

  it("counts link-code attempts per IP address in the web chat, across sessions", async () => {
    // 20 an hour from one address; every web chat test client comes from 127.0.0.1.
    for (let attempt = 1; attempt <= 20; attempt++)
      await new WebChatClient(running.app.url).say(`link-GGGG${String(attempt).padStart(2, "2")}`);
    const last = await new WebChatClient(running.app.url).open();
    const stream = await WebChatStream.open(last);
    await last.say("link-HHHHHH");
    const refusal = await stream.waitForMessage((m) => m.direction === "out", "the refusal");
    expect(refusal.text).toBe("Слишком много попыток ввести код. Попробуйте снова через час.");
    await stream.close();
    expect(await identitiesOf("web", last.session)).toBe(0);
  });
});
