import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engineTexts } from "../core/texts/engine-texts.ts";
import { FakeTelegramApi } from "./fakes/fake-telegram-api.ts";
import { SettableClock } from "./support/settable-clock.ts";
import { startTestAppWithDatabase, type TestAppWithDatabase } from "./support/test-app.ts";
import { waitFor } from "./support/wait-for.ts";

const ru = engineTexts.ru;
const supportChat = -1007777777777;

/**
 * Out of support hours, on real PostgreSQL and Redis with the app's clock set by the test (a
 * Saturday, then a Monday night in Moscow): the customer is told when support opens when they
 * ask for a person and when they write later, once per closed period, and each notice is logged.
 */
describe("support out of hours", () => {
  const telegram = new FakeTelegramApi();
  let running: TestAppWithDatabase;
  const clock = new SettableClock();

  beforeAll(async () => {
    await telegram.start();
    telegram.addSupergroup(supportChat);
    const flowsDir = await mkdtemp(join(tmpdir(), "orkestr-support-away-"));
    await writeFile(join(flowsDir, "hello.yaml"), "id: hello\ntitle: Hello\ndefault: true\nsteps:\n  - id: hi\n    end: Здравствуйте!\n");
    clock.set("2026-01-10T12:00:00Z");
    running = await startTestAppWithDatabase(
      {
        FLOWS_DIR: flowsDir,
        TELEGRAM_BOT_TOKEN: "123:TEST-token",
        TELEGRAM_API_ROOT: telegram.url,
        SUPPORT_CHAT_ID: String(supportChat),
        SUPPORT_GROUP_WINDOW_SECONDS: "3",
        SUPPORT_HOURS: "mon-fri 09:00-18:00",
        SUPPORT_TIMEZONE: "Europe/Moscow",
      },
      undefined,
      { clock: clock.now },
    );
  });
  afterAll(async () => {
    await running?.stop();
    await telegram.stop();
  });

  const postsIn = async (count: number) => {
    const topic = await waitFor(
      () => telegram.topics(supportChat)[0],
      (found) => found !== undefined,
      "the topic",
    );
    return waitFor(
      () => telegram.topicPosts(supportChat, topic?.threadId as number).map((p) => p.text ?? ""),
      (posts) => posts.length >= count,
      `${count} posts`,
    );
  };
  const openings = async () =>
    (await running.db.query(`SELECT data->>'opensAt' AS at FROM "Event" WHERE type = 'support_out_of_hours' ORDER BY id`)).rows.map(
      (r) => r.at,
    );

  it("tells the customer once per closed period when support opens, also when they write again later", async () => {
    // Saturday noon: support opens on Monday at 9:00 Moscow time.
    telegram.pushText(5001, "/operator", "Ира");
    const [started] = await telegram.waitForSent(5001, 1);
    expect(started?.text).toBe(`${ru.handoffStarted}\n\nСейчас мы не на связи — ответим в пн с 9:00.`);
    telegram.pushText(5001, "Алло?", "Ира");
    await postsIn(2);
    expect(telegram.sent(5001)).toHaveLength(1);

    // Monday 23:00 in Moscow: closed again, until tomorrow 9:00; told once more, and only once.
    clock.set("2026-01-12T20:00:00Z");
    telegram.pushText(5001, "Вы тут?", "Ира");
    const [, away] = await telegram.waitForSent(5001, 2);
    expect(away?.text).toBe("Сейчас мы не на связи — ответим завтра с 9:00.");
    telegram.pushText(5001, "Жду", "Ира");
    expect((await postsIn(4)).slice(1)).toEqual(["Алло?", "Вы тут?", "Жду"]);
    expect(telegram.sent(5001)).toHaveLength(2);
    expect(await openings()).toEqual(["2026-01-12T06:00:00.000Z", "2026-01-13T06:00:00.000Z"]);

    // Tuesday 10:00 in Moscow: open; nothing is said.
    clock.set("2026-01-13T07:00:00Z");
    telegram.pushText(5001, "Доброе утро", "Ира");
    await postsIn(5);
    expect(telegram.sent(5001)).toHaveLength(2);
  });
});
