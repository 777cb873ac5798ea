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
 * goes back to the bot by itself. The test runs the sweep's timers itself, judged at a time it
 * picks ahead of now, so nothing waits and nothing depends on how fast the machine is.
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
      SUPPORT_REMIND_AFTER: "10m",
      SUPPORT_MENTION: "@support_team",
      SUPPORT_AUTO_RETURN_AFTER: "1h",
    });
  });
  afterAll(async () => {
    await running?.stop();
    await telegram.stop();
  });

  const posts = (threadId: number) => telegram.topicPosts(supportChat, threadId).map((p) => p.text ?? "");
  /** Runs the timers as the sweep would `aheadMs` from now. */
  const timersIn = async (aheadMs: number, threadId: number) => {
    await running.app.runtime.runSupportTimers(new Date(Date.now() + aheadMs));
    await running.app.runtime.idle();
    return posts(threadId);
  };
  /** The posts once `count` are there (posting is paced and asynchronous). */
  const postsIn = (threadId: number, count: number) =>
    waitFor(
      () => posts(threadId),
      (p) => p.length >= count,
      `${count} posts`,
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
    await postsIn(threadId, 1);
    // Five minutes on, nobody waited ten yet: no reminder; twenty minutes on, one.
    expect(await timersIn(5 * 60_000, threadId)).toHaveLength(1);
    await timersIn(20 * 60_000, threadId);
    const reminded = await postsIn(threadId, 2);
    expect(reminded[1]).toMatch(/^⏰ Клиент ждёт ответа с \d\d:\d\d \(UTC\)\. @support_team$/);
    // Run again: the same unanswered message is not reminded of twice.
    expect(await timersIn(30 * 60_000, threadId)).toHaveLength(2);
    expect(await eventsOf("support_reminder_sent")).toHaveLength(1);

    telegram.pushTopicMessage(supportChat, threadId, olga, "Дина, здравствуйте!");
    await telegram.waitForSent(4001, 2);
    expect(await timersIn(30 * 60_000, threadId)).toHaveLength(2);
  });

  it("hands an idle handoff back to the bot by itself, without writing to the customer", async () => {
    const topic = telegram.topics(supportChat).find((t) => t.name.startsWith("Дина"));
    const threadId = topic?.threadId as number;
    // Half an hour of silence is not enough; two hours are.
    expect(await timersIn(30 * 60_000, threadId)).toHaveLength(2);
    await timersIn(2 * 3_600_000, threadId);
    const closed = await postsIn(threadId, 3);
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
