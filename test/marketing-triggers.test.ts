import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeTelegramApi } from "./fakes/fake-telegram-api.ts";
import { flowsFolder } from "./support/flows-folder.ts";
import { SettableClock } from "./support/settable-clock.ts";
import { startTestAppWithDatabase, type TestAppWithDatabase } from "./support/test-app.ts";

const token = "test-admin-token-0123456789";
const flows = {
  "hello.yaml": "id: hello\ntitle: Hello\ndefault: true\nsettings: { requireConsent: false }\nsteps:\n  - id: hi\n    end: Здравствуйте!\n",
  "cart.yaml": `id: cart
title: Abandoned cart
triggers: [{ event: cart_abandoned }]
settings: { quietHours: "22:00-09:00", timezone: Europe/Moscow, requireConsent: false }
steps:
  - id: remind
    end: "В корзине остался {{ event.data.item }} — вернуться?"
`,
};

/**
 * A marketing trigger (an event with no `marketing: false`) on real PostgreSQL and Redis keeps
 * the quiet hours and the frequency cap: at night the API answers 429 with Retry-After and
 * records nothing, so the same event posted again in the morning goes out, once.
 */
describe("marketing triggers keep quiet hours and the cap", () => {
  const telegram = new FakeTelegramApi();
  let running: TestAppWithDatabase;
  const clock = new SettableClock();

  beforeAll(async () => {
    await telegram.start();
    const flowsDir = await flowsFolder(flows);
    clock.set("2026-03-02T20:00:00Z"); // 23:00 in Moscow
    running = await startTestAppWithDatabase(
      {
        FLOWS_DIR: flowsDir,
        ADMIN_TOKEN: token,
        TELEGRAM_BOT_TOKEN: "123:TEST-token",
        TELEGRAM_API_ROOT: telegram.url,
        MAX_MARKETING_PER_DAY: "1",
      },
      undefined,
      { clock: clock.now },
    );
    telegram.pushText(8101, "/start", "Нина");
    await telegram.waitForSent(8101, 1);
  });
  afterAll(async () => {
    await running?.stop();
    await telegram.stop();
  });

  const post = (id: string, item: string) =>
    fetch(`${running.app.url}/api/events`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ id, type: "cart_abandoned", contact: { telegram_id: 8101 }, data: { item } }),
    });
  const logged = async () =>
    (await running.db.query(`SELECT type FROM "Event" WHERE type IN ('external_event', 'marketing_sent') ORDER BY id`)).rows;

  it("answers 429 at night with when to send it again, records nothing, and takes the same event in the morning", async () => {
    const night = await post("cart-1", "рюкзак");
    expect(night.status).toBe(429);
    expect(await night.json()).toEqual({ status: "later", retry_after: "2026-03-03T06:00:00.000Z" });
    expect(Number(night.headers.get("retry-after"))).toBeGreaterThan(10 * 3600 - 60);
    expect(await logged()).toEqual([]);
    expect(telegram.sent(8101)).toHaveLength(1);

    clock.set("2026-03-03T06:00:05Z");
    const morning = await post("cart-1", "рюкзак");
    expect(morning.status).toBe(202);
    expect(await morning.json()).toEqual({ status: "started", flow: "cart" });
    const [, reminder] = await telegram.waitForSent(8101, 2);
    expect(reminder?.text).toBe("В корзине остался рюкзак — вернуться?");
    expect((await post("cart-1", "рюкзак")).status).toBe(200);
    expect(await logged()).toEqual([{ type: "external_event" }, { type: "marketing_sent" }]);
  });

  it("past the day's cap (1 here) a second marketing trigger waits for the next morning", async () => {
    const second = await post("cart-2", "термос");
    expect(second.status).toBe(429);
    expect(await second.json()).toEqual({ status: "later", retry_after: "2026-03-04T06:00:00.000Z" });
    expect(telegram.sent(8101)).toHaveLength(2);
  });
});
