import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningOrkestr } from "../app/orkestr-app.ts";
import { FakeTelegramApi } from "./fakes/fake-telegram-api.ts";
import { loadTelegramSpec, telegramCallProblems } from "./support/telegram-spec.ts";
import { startTestApp, testConfig } from "./support/test-app.ts";

/** The real grammY bot in the app, long polling a local fake Bot API server; PostgreSQL and Redis are real. */
describe("Telegram channel (grammY against a fake Bot API)", () => {
  const api = new FakeTelegramApi();
  let app: RunningOrkestr;

  beforeAll(async () => {
    await api.start();
    app = await startTestApp(await testConfig({ TELEGRAM_BOT_TOKEN: "123:TEST-token", TELEGRAM_API_ROOT: api.url }));
  });
  afterAll(async () => {
    await app?.stop();
    await api.stop();
  });

  it("runs a flow: /start, inline button press, a typed answer, and a follow-up", async () => {
    api.pushText(42, "/start");
    const [hello] = await api.waitForSent(42, 1);
    expect(hello?.text).toBe("Hello, Анна!");
    expect(hello?.params.parse_mode).toBe("HTML");
    const keyboard = (hello?.params.reply_markup as { inline_keyboard: Array<Array<{ text: string; callback_data: string }>> })
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
    expect((await api.waitForSent(42, 4))[3]?.text).toBe("Follow-up for &lt;i&gt;Bob&lt;/i&gt;");
  });

  it("answers a press on a button of an old message politely", async () => {
    api.pushText(7, "/start");
    await api.waitForSent(7, 1);
    api.pushCallback(7, "b|1|0|AAAAAA", { message_id: 1, date: 0, chat: { id: 7, type: "private" } });
    expect((await api.waitForSent(7, 2))[1]?.text).toMatch(/^Эта кнопка уже неактуальна/);
  });

  it("ignores a redelivered update", async () => {
    const id = api.pushText(9, "/start");
    await api.waitForSent(9, 1);
    api.push({
      ...{ update_id: id },
      message: {
        message_id: 99,
        date: 0,
        chat: { id: 9, type: "private" },
        from: { id: 9, is_bot: false, first_name: "X" },
        text: "/start",
      },
    });
    await new Promise((r) => setTimeout(r, 1_000));
    expect(api.sent(9)).toHaveLength(1);
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
