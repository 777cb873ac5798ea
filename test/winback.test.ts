import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeTelegramApi } from "./fakes/fake-telegram-api.ts";
import { flowsFolder } from "./support/flows-folder.ts";
import { SettableClock } from "./support/settable-clock.ts";
import { startTestAppWithDatabase, type TestAppWithDatabase } from "./support/test-app.ts";
import { waitFor } from "./support/wait-for.ts";

const hello = `id: hello
title: Hello
default: true
settings: { requireConsent: false }
steps:
  - id: hi
    say: Здравствуйте!
    buttons: [{ text: Каталог, goto: hi }]
`;

const winback = `id: winback
title: Win-back
triggers: [{ inactive: 30d }]
settings: { quietHours: "22:00-09:00", timezone: Europe/Moscow, requireConsent: false }
steps:
  - id: miss
    say: Давно вас не было — вот скидка 10 %
    buttons: [{ text: Спасибо, goto: bye }]
    followUps: [{ after: 1h, say: Скидка действует до воскресенья }]
  - id: bye
    end: До встречи!
`;

/**
 * Win-back on real PostgreSQL and Redis: the scan is the app's own BullMQ repeatable job (every
 * second here), and the test's own concurrent scans race it, as replicas would. The app's clock
 * is the test's: people wrote on 1 February at 14:00 UTC, and the clock moves 30 days on.
 */
describe("win-back: triggers: inactive", () => {
  const telegram = new FakeTelegramApi();
  let running: TestAppWithDatabase;
  const clock = new SettableClock();
  const start = "2026-02-01T14:00:00Z";

  beforeAll(async () => {
    await telegram.start();
    const flowsDir = await flowsFolder({ "hello.yaml": hello, "winback.yaml": winback });
    clock.set(start);
    running = await startTestAppWithDatabase(
      {
        FLOWS_DIR: flowsDir,
        TELEGRAM_BOT_TOKEN: "123:TEST-token",
        TELEGRAM_API_ROOT: telegram.url,
        WINBACK_SCAN_EVERY: "1s",
        MAX_MARKETING_PER_DAY: "1",
      },
      undefined,
      { clock: clock.now },
    );
  });
  afterAll(async () => {
    await running?.stop();
    await telegram.stop();
  });

  const winbacks = (chatId: number) => telegram.sent(chatId).filter((m) => m.text.startsWith("Давно вас не было"));
  const writes = async (chatId: number) => {
    const before = telegram.sent(chatId).length;
    telegram.pushText(chatId, "/start", "Оля");
    await telegram.waitForSent(chatId, before + 1);
  };
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it("enters each person silent for 30 days once, however many scans run at once; not those who wrote since", async () => {
    for (const chatId of [8001, 8002, 8004]) await writes(chatId);
    // 8004 lives in Vladivostok: at the scan's hour it is midnight there.
    await running.db.query(
      `UPDATE "Contact" SET timezone = 'Asia/Vladivostok' WHERE id = (SELECT "contactId" FROM "ChannelIdentity" WHERE "externalId" = '8004')`,
    );
    clock.set("2026-02-11T14:00:00Z");
    await writes(8003);
    expect(winbacks(8001)).toEqual([]);

    // 30 days and a minute later, 17:01 in Moscow, 00:01 in Vladivostok.
    clock.set("2026-03-03T14:01:00Z");
    const ours = await Promise.all([1, 2, 3].map(() => running.app.runtime.scanInactivity(1)));
    await waitFor(
      () => [winbacks(8001).length, winbacks(8002).length],
      ([a, b]) => a === 1 && b === 1,
      "the win-back to 8001 and 8002",
    );
    // The repeatable job keeps scanning every second meanwhile.
    await pause(2_500);
    expect(winbacks(8001)).toHaveLength(1);
    expect(winbacks(8002)).toHaveLength(1);
    expect(winbacks(8003)).toEqual([]);
    expect(winbacks(8004)).toEqual([]);
    expect(ours.reduce((sum, c) => sum + c.entered, 0)).toBeLessThanOrEqual(2);
    const entered = await running.db.query(`SELECT data FROM "Event" WHERE type = 'winback_entered'`);
    // 30 days and a minute, give or take the seconds the test took (the clock runs on).
    for (const { data } of entered.rows) expect(Math.abs(data.silentSeconds - 2_592_060)).toBeLessThan(60);
    expect(entered.rows).toHaveLength(2);
  });

  it("asks again at the next scan those it was night for, and counts the win-back against the frequency cap", async () => {
    // 09:01 the next morning in Vladivostok.
    clock.set("2026-03-03T23:01:00Z");
    await waitFor(
      () => winbacks(8004).length,
      (n) => n === 1,
      "the win-back to 8004 in the morning",
    );
    // The win-back was the day's one marketing message: its own follow-up an hour later waits for 09:00 tomorrow, their time.
    const [followUp] = (
      await running.db.query(`
        SELECT f.id FROM "FollowUp" f JOIN "Conversation" v ON v.id = f."conversationId" JOIN "ChannelIdentity" i ON i."contactId" = v."contactId"
        WHERE i."externalId" = '8004' AND f.status = 'pending'`)
    ).rows;
    clock.set("2026-03-04T00:01:30Z");
    await running.app.runtime.fireFollowUp(followUp?.id);
    const postponed = await running.db.query(`SELECT data FROM "Event" WHERE type = 'followup_postponed'`);
    expect(postponed.rows.map((r) => r.data)).toEqual([
      { visit: 1, stepId: "miss", index: 0, until: "2026-03-04T23:00:00.000Z", reason: "cap" },
    ]);
    expect(winbacks(8004)).toHaveLength(1);
  });

  it("a person who answered the win-back is silent anew: 30 days later they are won back again", async () => {
    telegram.pressButton(8001, "Спасибо");
    await telegram.waitForSent(8001, 3);
    clock.set("2026-04-03T10:00:00Z"); // 13:00 in Moscow
    await waitFor(
      () => winbacks(8001).length,
      (n) => n === 2,
      "a second win-back to 8001",
    );
    expect(winbacks(8002)).toHaveLength(1);
  });
});
