import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeTelegramApi } from "./fakes/fake-telegram-api.ts";
import { SettableClock } from "./support/settable-clock.ts";
import { startTestAppWithDatabase, type TestAppWithDatabase } from "./support/test-app.ts";

const flow = `id: promo
title: Promo
default: true
settings: { quietHours: "22:00-09:00", timezone: Europe/Moscow, requireConsent: false }
steps:
  - id: offer
    say: Подписаться на новости?
    buttons: [{ text: Позже, goto: later }]
  - id: later
    say: Хорошо!
    buttons: [{ text: Да, goto: offer }]
    followUps:
      - { after: 1h, say: Акция первая }
      - { after: 1h, say: Акция вторая }
      - { after: 1h, say: Акция третья }
      - { after: 1h, say: Акция сегодня или никогда, overCap: drop }
      - { after: 1h, say: Ваш заказ готов к выдаче, marketing: false }
`;

/**
 * The frequency cap on real PostgreSQL and Redis, with the app's clock set by the test: five
 * follow-ups come due at the same hour with MAX_MARKETING_PER_DAY=2. Two marketing ones go
 * out, the third waits for the next morning (midnight, then the quiet hours' end), the one
 * marked `overCap: drop` is dropped, and the service one is never capped.
 */
describe("the marketing frequency cap", () => {
  const telegram = new FakeTelegramApi();
  let running: TestAppWithDatabase;
  const clock = new SettableClock();

  beforeAll(async () => {
    await telegram.start();
    const flowsDir = await mkdtemp(join(tmpdir(), "orkestr-cap-"));
    await writeFile(join(flowsDir, "promo.yaml"), flow);
    // 13:00 in Moscow.
    clock.set("2026-03-02T10:00:00Z");
    running = await startTestAppWithDatabase(
      { FLOWS_DIR: flowsDir, TELEGRAM_BOT_TOKEN: "123:TEST-token", TELEGRAM_API_ROOT: telegram.url, MAX_MARKETING_PER_DAY: "2" },
      undefined,
      { clock: clock.now },
    );
  });
  afterAll(async () => {
    await running?.stop();
    await telegram.stop();
  });

  const followUps = async () =>
    (await running.db.query(`SELECT id, index, status, "dueAt" FROM "FollowUp" ORDER BY index`)).rows as Array<{
      id: string;
      index: number;
      status: string;
      dueAt: Date;
    }>;

  it("sends two marketing follow-ups a day, moves the third to the next morning, drops one, and never caps a service one", async () => {
    telegram.pushText(9101, "/start", "Ира");
    await telegram.waitForSent(9101, 1);
    telegram.pressButton(9101, "Позже");
    await telegram.waitForSent(9101, 2);
    const planned = await followUps();
    expect(planned).toHaveLength(5);

    // 14:00 in Moscow: all five are due; they fire one after another.
    clock.set("2026-03-02T11:00:00Z");
    for (const { id } of planned) await running.app.runtime.fireFollowUp(id);
    await telegram.waitForSent(9101, 5);
    expect(
      telegram
        .sent(9101)
        .slice(2)
        .map((m) => m.text),
    ).toEqual(["Акция первая", "Акция вторая", "Ваш заказ готов к выдаче"]);
    const after = await followUps();
    expect(after.map((f) => f.status)).toEqual(["fired", "fired", "pending", "skipped", "fired"]);
    // Next day's midnight is inside the quiet hours: 09:00 in Moscow.
    expect(after[2]?.dueAt.toISOString()).toBe("2026-03-03T06:00:00.000Z");
    const postponed = await running.db.query(`SELECT data FROM "Event" WHERE type = 'followup_postponed'`);
    expect(postponed.rows.map((r) => r.data)).toEqual([
      { visit: 2, stepId: "later", index: 2, until: "2026-03-03T06:00:00.000Z", reason: "cap" },
    ]);

    // The next morning it goes out.
    clock.set("2026-03-03T06:00:05Z");
    await running.app.runtime.fireFollowUp(after[2]?.id as string);
    const [, , , , , third] = await telegram.waitForSent(9101, 6);
    expect(third?.text).toBe("Акция третья");
  });
});
