import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createRedactingLogger, redactLine } from "../app/redacting-logger.ts";
import { AppProcess } from "./support/app-process.ts";
import { testConfig } from "./support/test-app.ts";

const token = "7350492211:AAHk3Lq-secret-PART-of-the-token_x9";

describe("logs keep no secrets and no customers' data", () => {
  it("blanks tokens, configured secrets and URL passwords, wherever in the line they are", () => {
    const line = JSON.stringify({
      msg: "Cannot reach Redis at redis://:hunter2pass@10.0.0.5:6379",
      err: { message: `request to https://api.telegram.org/bot${token}/getUpdates failed`, stack: `at bot${token}` },
      db: "postgres://orkestr:dbpass@db:5432/orkestr",
      vk: "vk1.a.community-token-value",
    });
    const clean = redactLine(line, ["vk1.a.community-token-value"]);
    for (const secret of [token, "hunter2pass", "dbpass", "vk1.a.community-token-value"]) expect(clean).not.toContain(secret);
    expect(clean).toContain("redis://:[password]@10.0.0.5:6379");
    expect(clean).toContain("postgres://orkestr:[password]@db:5432");
  });

  it("drops what a failed platform request carried about the customer", () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createRedactingLogger({ LOG_LEVEL: "info" }, {}, sink);
    const failure = Object.assign(new Error("Call to 'sendMessage' failed!"), {
      method: "sendMessage",
      payload: { chat_id: 71, text: "Анна, ваш телефон +79001234567" },
    });
    logger.error({ err: failure }, "send failed");
    // grammY's BotError: the failed update with the customer's message, and the API with the token.
    const botError = Object.assign(new Error("PrismaClientKnownRequestError in middleware"), {
      ctx: { update: { message: { text: "мой email anna@example.com" } }, api: { token } },
    });
    logger.error({ err: botError }, "request failed");
    const written = lines.join("");
    expect(written).toContain("send failed");
    expect(written).toContain("request failed");
    for (const secret of ["+79001234567", "anna@example.com", token]) expect(written).not.toContain(secret);
  });

  it("in the real process: a Redis it cannot reach is named without its password", async () => {
    const app = await AppProcess.create(
      await testConfig({ REDIS_URL: "redis://:Hunter2-redis-pass@127.0.0.1:1", TELEGRAM_BOT_TOKEN: token }),
    );
    await expect(app.start(20_000)).rejects.toThrow(/app exited with 1/);
    expect(app.output).toContain("Cannot reach Redis at redis://:[password]@127.0.0.1:1");
    expect(app.output).not.toContain("Hunter2-redis-pass");
  });
});
