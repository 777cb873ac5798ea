import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engineTexts } from "../core/texts/engine-texts.ts";
import { FakeTelegramApi } from "./fakes/fake-telegram-api.ts";
import { startTestAppWithDatabase, type TestAppWithDatabase } from "./support/test-app.ts";
import { waitFor } from "./support/wait-for.ts";

const ru = engineTexts.ru;
const supportChat = -1005555555555;

/**
 * Support's timers on real PostgreSQL and Redis: a customer nobody answers is reminded of in the
 * topic (once per unanswered message, with the team's mention), and a handoff nobody writes in
 * goes back to the bot by itself. The test runs the sweep's timers itself instead of waiting for
 * the sweep; the durations are seconds so that it is short.
 */
describe("support timers", () => {
  const telegram = new FakeTelegramApi();
  const olga = { id: 501, first_name: "Ольга" };
  let running: TestAppWithDatabase;

  beforeAll(async () => {
    await telegram.start();
    telegram.addSupergroup(supportChat);
    const flowsDir = await mkdtemp(join(tmpdir(), "orkestr-support-timers-"));
    await writeFile(
      join(flowsDir, "hello.yaml"),
      "id: hello\ntitle: Hello\ndefault: true\nsteps:\n  - id: hi\n    say: Здравствуйте!\n    buttons: [{ text: Дальше, goto: bye }]\n  - id: bye\n    end: Пока!\n",
    );
    running = await startTestAppWithDatabase({
      FLOWS_DIR: flowsDir,
      TELEGRAM_BOT_TOKEN: "123:TEST-token",
      TELEGRAM_API_ROOT: telegram.url,
      SUPPORT_CHAT_ID: String(supportChat),
      SUPPORT_GROUP_WINDOW_SECONDS: "3",
      SUPPORT_REMIND_AFTER: "1s",
      SUPPORT_MENTION: "@support_team",
      SUPPORT_AUTO_RETURN_AFTER: "4s",
    });
  });
  afterAll(async () => {
    await running?.stop();
    await telegram.stop();
  });

  const posts = (threadId: number) => telegram.topicPosts(supportChat, threadId).map((p) => p.text ?? "");
  /** Runs the timers until `done` holds for the topic's posts. */
  const timersUntil = (threadId: number, done: (posts: string[]) => boolean, what: string) =>
    waitFor(
      async () => {
        await running.app.runtime.runSupportTimers();
        await running.app.runtime.idle();
        return posts(threadId);
      },
      done,
      what,
    );
  const eventsOf = async (type: string) =>
    (await running.db.query(`SELECT data FROM "Event" WHERE type = $1 ORDER BY id`, [type])).rows.map((r) => r.data);

  it("reminds the team once of a customer nobody answered, and not after staff answered", async () => {
    telegram.pushText(4001, "/operator", "Дина");
    await telegram.waitForSent(4001, 1);
    const topic = await waitFor(
      () => telegram.topics(supportChat).find((t) => t.name.startsWith("Дина")),
      (found) => found !== undefined,
      "the topic",
    );
    const threadId = topic?.threadId as number;
    const reminded = await timersUntil(threadId, (p) => p.length >= 2, "a reminder");
    expect(reminded[1]).toMatch(/^⏰ Клиент ждёт ответа с \d\d:\d\d \(UTC\)\. @support_team$/);
    // Run again: the same unanswered message is not reminded of twice.
    await running.app.runtime.runSupportTimers();
    await running.app.runtime.idle();
    expect(posts(threadId)).toHaveLength(2);
    expect(await eventsOf("support_reminder_sent")).toHaveLength(1);

    telegram.pushTopicMessage(supportChat, threadId, olga, "Дина, здравствуйте!");
    await telegram.waitForSent(4001, 2);
    await running.app.runtime.runSupportTimers();
    await running.app.runtime.idle();
    expect(posts(threadId)).toHaveLength(2);
  });

  it("hands an idle handoff back to the bot by itself, without writing to the customer", async () => {
    const topic = telegram.topics(supportChat).find((t) => t.name.startsWith("Дина"));
    const threadId = topic?.threadId as number;
    const closed = await timersUntil(threadId, (p) => p.includes(ru.staffTimedOut), "the handoff returned to the bot");
    expect(closed.at(-1)).toBe(ru.staffTimedOut);
    expect(await eventsOf("handoff_ended")).toEqual([{ by: "timeout" }]);
    expect(telegram.sent(4001)).toHaveLength(2);
    await waitFor(
      () => telegram.topics(supportChat).find((t) => t.threadId === threadId)?.closed,
      (isClosed) => isClosed === true,
      "the topic closed",
    );
    // The bot has the conversation again: it answers, and the topic hears nothing.
    telegram.pushText(4001, "/start", "Дина");
    const [, , hello] = await telegram.waitForSent(4001, 3);
    expect(hello?.text).toBe("Здравствуйте!");
    expect(posts(threadId)).toEqual(closed);
  });
});
