import { existsSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../app/config.ts";
import { AppProcess } from "./support/app-process.ts";
import { startTestApp, testConfig } from "./support/test-app.ts";

describe("start-up errors are plain and complete", () => {
  it("refuses to start with a broken flow and names file:line:column for every problem", async () => {
    const dir = await mkdtemp(join(tmpdir(), "orkestr-flows-"));
    await writeFile(join(dir, "good.yaml"), "id: good\ntitle: Good\nsteps:\n  - id: a\n    say: Hi\n");
    await writeFile(
      join(dir, "broken.yaml"),
      "id: broken\ntitle: Broken\nsteps:\n  - id: a\n    say: Hi\n    goto: b\n  - id: c\n    sya: typo\n",
    );
    const app = await AppProcess.create(await testConfig({ FLOWS_DIR: dir }));
    await expect(app.start(20_000)).rejects.toThrow(/app exited with 1/);
    expect(app.output).toContain(`${join(dir, "broken.yaml")}:6:11 steps[0].goto: goto "b": no step has this id`);
    expect(app.output).toContain(`${join(dir, "broken.yaml")}:7:5 steps[1]: unknown step kind (keys: sya)`);
  });

  it("refuses a log level pino does not know, named like any other bad variable", async () => {
    const app = await AppProcess.create(await testConfig(), { LOG_LEVEL: "loud" });
    await expect(app.start(20_000)).rejects.toThrow(/app exited with 1/);
    const fatal = app.output
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as { level: number; msg: string });
    expect(fatal).toEqual([expect.objectContaining({ level: 60, msg: expect.stringMatching(/^Invalid configuration:\n {2}LOG_LEVEL: /) })]);
  });

  it("requires a webhook secret with a Telegram webhook URL", () => {
    expect(() => loadConfig({ TELEGRAM_BOT_TOKEN: "1:x", TELEGRAM_WEBHOOK_URL: "https://x.test/telegram/webhook" })).toThrow(
      /TELEGRAM_WEBHOOK_SECRET: set/,
    );
  });

  it("holds Telegram's bulk sends to 30 a second unless paid broadcasts are on, and to 1000 with them", () => {
    expect(loadConfig({}).TELEGRAM_BULK_RATE).toBe(30);
    expect(() => loadConfig({ TELEGRAM_BULK_RATE: "100" })).toThrow(/TELEGRAM_BULK_RATE: .*TELEGRAM_PAID_BROADCAST=true/);
    expect(loadConfig({ TELEGRAM_BULK_RATE: "1000", TELEGRAM_PAID_BROADCAST: "true" }).TELEGRAM_BULK_RATE).toBe(1000);
    expect(() => loadConfig({ TELEGRAM_BULK_RATE: "1001", TELEGRAM_PAID_BROADCAST: "true" })).toThrow(/TELEGRAM_BULK_RATE/);
  });

  it("keeps the web chat off in production unless WEBCHAT_ENABLED=true: no page, no API", async () => {
    expect(loadConfig({}).WEBCHAT_ENABLED).toBe(false);
    const config = await testConfig({ WEBCHAT_ENABLED: "false" });
    const app = await startTestApp(config);
    try {
      // Nothing to sign, so no secret is made either.
      expect(existsSync(join(config.DATA_DIR, "webchat-session-secret"))).toBe(false);
      expect((await fetch(`${app.url}/`)).status).toBe(404);
      expect((await fetch(`${app.url}/api/chat/session`, { method: "POST" })).status).toBe(404);
      expect((await fetch(`${app.url}/api/chat/history`)).status).toBe(404);
      expect((await fetch(`${app.url}/health`)).status).toBe(200);
    } finally {
      await app.stop();
    }
  });

  it("refuses a web chat session secret shorter than 32 characters, in the variable or in its file", async () => {
    expect(() => loadConfig({ WEBCHAT_SESSION_SECRET: "short-secret" })).toThrow(/WEBCHAT_SESSION_SECRET: at least 32 characters/);
    expect(loadConfig({ WEBCHAT_SESSION_SECRET: "x".repeat(32) }).WEBCHAT_SESSION_SECRET).toBe("x".repeat(32));
    const config = await testConfig();
    await writeFile(join(config.DATA_DIR, "webchat-session-secret"), "too short\n");
    await expect(startTestApp(config)).rejects.toThrow(
      `${join(config.DATA_DIR, "webchat-session-secret")} holds no usable web chat session secret (fewer than 32 characters)`,
    );
    // A DATA_DIR that cannot be made (here: below a file) is named, with the way out.
    const blocked = join(config.DATA_DIR, "webchat-session-secret", "data");
    await expect(startTestApp({ ...config, DATA_DIR: blocked })).rejects.toThrow(
      `Cannot keep the web chat session secret in ${join(blocked, "webchat-session-secret")} (`,
    );
    await expect(startTestApp({ ...config, DATA_DIR: blocked })).rejects.toThrow(/make DATA_DIR writable or set WEBCHAT_SESSION_SECRET$/);
  });

  it("slows one IP address down to WEBCHAT_RATE_LIMIT requests a minute on the web chat's API", async () => {
    const app = await startTestApp(await testConfig({ WEBCHAT_RATE_LIMIT: "5" }));
    try {
      const statuses = [];
      for (let i = 0; i < 7; i++) statuses.push((await fetch(`${app.url}/api/flows`)).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
      const refused = await fetch(`${app.url}/api/flows`);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
      expect((await fetch(`${app.url}/health`)).status).toBe(200);
    } finally {
      await app.stop();
    }
  });

  it("names every bad environment variable", () => {
    expect(() => loadConfig({ PORT: "http", REDIS_URL: "localhost", DATABASE_URL: "mysql://x" })).toThrow(
      /PORT: .*\n.*DATABASE_URL: .*\n.*REDIS_URL: /,
    );
    expect(loadConfig({ PORT: "", DEFAULT_PHONE_REGION: "kz", WEBCHAT_ENABLED: "false" })).toMatchObject({
      PORT: 3000,
      DEFAULT_PHONE_REGION: "KZ",
      WEBCHAT_ENABLED: false,
    });
  });
});
