import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeTelegramApi } from "./fakes/fake-telegram-api.ts";
import { SettableClock } from "./support/settable-clock.ts";
import { startTestAppWithDatabase, type TestAppWithDatabase } from "./support/test-app.ts";

const flow = `id: offer
title: Offer
default: true
settings: { quietHours: "22:00-09:00", timezone: Europe/Moscow, requireConsent: false }
steps:
  - id: offer
    say: Посмотрите наш курс
    buttons: [{ text: Позже, goto: later }]
  - id: later
    say: Хорошо!
    buttons: [{ text: Купить, goto: offer }]
    followUps: [{ after: 30m, say: Напоминаю о курсе }]
`;

/**
 * Quiet hours are checked again when a follow-up is sent, on real PostgreSQL and Redis with the
 * app's clock set by the test: one planned for 21:30 that fires at 23:00 (the app was down) is
 * not sent at night but moved to 09:00, and goes out then.
 */
describe("follow-ups re-checked at send time", () => {
  const telegram = new FakeTelegramApi();
  let running: TestAppWithDatabase;
  const clock = new SettableClock();

  beforeAll(async () => {
    await telegram.start();
    const flowsDir = await mkdtemp(join(tmpdir(), "orkestr-send-time-"));
    await writeFile(join(flowsDir, "offer.yaml"), flow);
    // 21:00 in Moscow.
    clock.set("2026-03-02T18:00:00Z");
    running = await startTestAppWithDatabase(
      { FLOWS_DIR: flowsDir, TELEGRAM_BOT_TOKEN: "123:TEST-token", TELEGRAM_API_ROOT: telegram.url },
      undefined,
      { clock: clock.now },
    );
  });
  afterAll(async () => {
    await running?.stop();
    await telegram.stop();
  });

  const followUp = async () =>
    (await running.db.query(`SELECT id, status, "dueAt" FROM "FollowUp"`)).rows as Array<{ id: string; status: string; dueAt: Date }>;

  it("a follow-up that fires inside quiet hours after an outage is moved to their end, and sent then", async () => {
    telegram.pushText(9001, "/start", "Оля");
    await telegram.waitForSent(9001, 1);
    telegram.pressButton(9001, "Позже");
    await telegram.waitForSent(9001, 2);
    const [planned] = await followUp();
    expect(planned?.dueAt.toISOString().slice(0, 16)).toBe("2026-03-02T18:30");

    // The app was down from 21:15; back at 23:00 Moscow time, the late timer fires.
    clock.set("2026-03-02T20:00:00Z");
    await running.app.runtime.fireFollowUp(planned?.id as string);
    expect(await followUp()).toEqual([{ id: planned?.id, status: "pending", dueAt: new Date("2026-03-03T06:00:00.000Z") }]);
    const postponed = await running.db.query(`SELECT data FROM "Event" WHERE type = 'followup_postponed'`);
    expect(postponed.rows.map((r) => r.data)).toEqual([
      { visit: 2, stepId: "later", index: 0, until: "2026-03-03T06:00:00.000Z", reason: "quiet_hours" },
    ]);
    expect(telegram.sent(9001)).toHaveLength(2);

    // 09:00 the next morning: it goes out.
    clock.set("2026-03-03T06:00:05Z");
    await running.app.runtime.fireFollowUp(planned?.id as string);
    const [, , reminder] = await telegram.waitForSent(9001, 3);
    expect(reminder?.text).toBe("Напоминаю о курсе");
    expect((await followUp())[0]?.status).toBe("fired");
  });
});
