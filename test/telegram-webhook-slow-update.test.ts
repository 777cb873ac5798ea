import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../app/config.ts";
import { FakeTelegramApi } from "./fakes/fake-telegram-api.ts";
import { AppProcess } from "./support/app-process.ts";
import { withDatabaseAway } from "./support/database-outage.ts";
import { testConfig } from "./support/test-app.ts";
import { waitFor } from "./support/wait-for.ts";

/** grammY's webhookCallback gives up on an update after this long unless told otherwise. */
const grammyDefaultWebhookTimeoutMs = 10_000;

/**
 * A Telegram webhook update whose handling outlasts grammY's webhook timeout (a slow Bot API
 * under its replies) and then fails (the database away): the real process must answer it with
 * an error so that Telegram delivers it again, and must not end.
 */
describe("Telegram webhook: an update slower than grammY's timeout that then fails", () => {
  const api = new FakeTelegramApi();
  const secret = "slow-secret";
  let config: Config;
  let app: AppProcess;

  beforeAll(async () => {
    await api.start();
    config = await testConfig({
      TELEGRAM_BOT_TOKEN: "123:TEST-token",
      TELEGRAM_API_ROOT: api.url,
      TELEGRAM_WEBHOOK_URL: "https://bot.example.test/telegram/webhook",
      TELEGRAM_WEBHOOK_SECRET: secret,
    });
    app = await AppProcess.create(config);
    await app.start();
  });
  afterAll(async () => {
    await app?.stop("SIGKILL");
    await api.stop();
  });

  const post = (update: Record<string, unknown>) =>
    fetch(`${app.url}/telegram/webhook`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": secret },
      body: JSON.stringify(update),
    });

  it("answers it with 500 when it fails, keeps running, and acknowledges the redelivery", async () => {
    const update = { update_id: 1, ...api.textMessage(41, "/start burst") };
    const hold = api.holdNextSend(41);
    const answer = post(update);
    await hold.arrived;
    // The turn is stored and its first reply is on its way; the Bot API takes longer than grammY waits.
    await new Promise((resolve) => setTimeout(resolve, grammyDefaultWebhookTimeoutMs + 1_000));
    await withDatabaseAway(config, async () => {
      // Refused while the database is away, the send cannot be noted: the handling of the update fails.
      hold.release("Bad Request: chat not found");
      await waitFor(
        () => app.exited || app.output.includes("request failed"),
        (ended) => ended,
        "the update's handling to end",
      );
    });
    expect(app.exited).toBe(false);
    expect(app.output).not.toMatch(/unhandled|uncaught/i);
    expect((await answer).status).toBe(500);

    expect((await post(update)).status).toBe(200);
    expect((await post({ update_id: 2, ...api.textMessage(42, "/start burst") })).status).toBe(200);
    expect((await api.waitForSent(42, 5)).map((m) => m.text)).toEqual(["One", "Two", "Three", "Four", "Five"]);
    expect(await app.stop("SIGTERM")).toBe(0);
  }, 60_000);
});
