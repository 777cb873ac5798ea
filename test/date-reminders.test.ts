import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeTelegramApi } from "./fakes/fake-telegram-api.ts";
import { flowsFolder } from "./support/flows-folder.ts";
import { SettableClock } from "./support/settable-clock.ts";
import { startTestAppWithDatabase, type TestAppWithDatabase } from "./support/test-app.ts";

const flow = `id: classes
title: Classes
default: true
settings: { quietHours: "22:00-09:00", timezone: Europe/Moscow, requireConsent: false }
steps:
  - id: city
    ask: { type: choice, text: Ваш город?, options: [Владивосток, Калининград], save: vars.city }
  - id: zone
    set: { contact.timezone: "{% if vars.city == 'Владивосток' %}Asia/Vladivostok{% else %}Europe/Kaliningrad{% endif %}" }
  - id: date
    ask: { type: text, text: Когда занятие? ДД.ММ.ГГГГ ЧЧ:ММ, save: vars.class_at }
  - id: booked
    say: Записали
    buttons: [{ text: Другая дата, goto: date }]
    followUps:
      - { on: vars.class_at, before: 1d, at: "18:00", marketing: false, say: "Завтра в {{ vars.class_at | slice: 11, 5 }} занятие" }
`;

/**
 * "18:00 the day before the class", on real PostgreSQL and Redis, for two people booked for the
 * same class time in their own cities: 18:00 in Vladivostok is 08:00 UTC, in Kaliningrad 16:00
 * UTC. The app's clock starts where the test sets it and runs on in real time, so the first
 * reminder is left to BullMQ's own timer; the second is fired on the moved clock.
 */
describe("date-anchored reminders in the contact's time zone", () => {
  const telegram = new FakeTelegramApi();
  let running: TestAppWithDatabase;
  const clock = new SettableClock();

  beforeAll(async () => {
    await telegram.start();
    const flowsDir = await flowsFolder({ "classes.yaml": flow });
    // Four seconds before 18:00 in Vladivostok on the day before the class.
    clock.set("2026-03-09T07:59:56Z");
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

  const book = async (chatId: number, city: string, when: string) => {
    telegram.pushText(chatId, "/start", "Оля");
    await telegram.waitForSent(chatId, 1);
    telegram.pressButton(chatId, city);
    await telegram.waitForSent(chatId, 2);
    telegram.pushText(chatId, when, "Оля");
    await telegram.waitForSent(chatId, 3);
  };
  const followUps = async () =>
    (
      await running.db.query(
        `SELECT f.id, f.status, f."dueAt", c.timezone FROM "FollowUp" f JOIN "Conversation" v ON v.id = f."conversationId"
         JOIN "Contact" c ON c.id = v."contactId" ORDER BY f."dueAt"`,
      )
    ).rows as Array<{ id: string; status: string; dueAt: Date; timezone: string }>;

  it("reminds each person at 18:00 their time the day before, by the queue's own timer and on a moved clock", async () => {
    await book(7001, "Владивосток", "10.03.2026 19:00");
    await book(7002, "Калининград", "10.03.2026 19:00");
    const [vladivostok, kaliningrad] = await followUps();
    expect(vladivostok).toMatchObject({ timezone: "Asia/Vladivostok", dueAt: new Date("2026-03-09T08:00:00Z") });
    expect(kaliningrad).toMatchObject({ timezone: "Europe/Kaliningrad", dueAt: new Date("2026-03-09T16:00:00Z") });

    // Real time: BullMQ's timer fires Vladivostok's a few seconds on; Kaliningrad's waits.
    const [, , , reminder] = await telegram.waitForSent(7001, 4);
    expect(reminder?.text).toBe("Завтра в 19:00 занятие");
    expect(telegram.sent(7002)).toHaveLength(3);
    expect((await followUps()).map((f) => f.status)).toEqual(["fired", "pending"]);

    // The clock moved on to 18:00 in Kaliningrad.
    clock.set("2026-03-09T16:00:01Z");
    await running.app.runtime.fireFollowUp(kaliningrad?.id as string);
    const [, , , second] = await telegram.waitForSent(7002, 4);
    expect(second?.text).toBe("Завтра в 19:00 занятие");
    expect((await followUps()).map((f) => f.status)).toEqual(["fired", "fired"]);
  });

  it("plans nothing for a date already past or not a date, and records why", async () => {
    telegram.pressButton(7001, "Другая дата");
    await telegram.waitForSent(7001, 5);
    telegram.pushText(7001, "09.03.2026 19:00", "Оля");
    await telegram.waitForSent(7001, 6);
    telegram.pressButton(7001, "Другая дата");
    await telegram.waitForSent(7001, 7);
    telegram.pushText(7001, "в среду вечером", "Оля");
    await telegram.waitForSent(7001, 8);
    const skipped = await running.db.query(`SELECT data->>'reason' AS reason FROM "Event" WHERE type = 'followup_skipped' ORDER BY id`);
    expect(skipped.rows.map((r) => r.reason)).toEqual(["date_passed", "bad_date"]);
    expect(await followUps()).toHaveLength(2);
  });
});
