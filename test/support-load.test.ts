import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeTelegramApi } from "./fakes/fake-telegram-api.ts";
import { startTestAppWithDatabase, type TestAppWithDatabase } from "./support/test-app.ts";
import { waitFor } from "./support/wait-for.ts";

const supportChat = -1009876543210;
const customers = Array.from({ length: 30 }, (_, n) => 3001 + n);
/** Telegram's 20 posts a group per minute, counted here over 5 s so that the test is short. */
const windowSeconds = 5;

/**
 * Thirty customers handed to staff write at once: the support group gets no more than Telegram
 * takes (the fake answers 429 beyond 20 posts in any window), and no customer's word is lost or
 * reordered — what queues up for one topic goes out merged into one post.
 */
describe("thirty customers writing into the support group at once", () => {
  const telegram = new FakeTelegramApi();
  let running: TestAppWithDatabase;

  beforeAll(async () => {
    await telegram.start();
    telegram.addSupergroup(supportChat);
    telegram.capGroupPosts(20, windowSeconds * 1000);
    const flowsDir = await mkdtemp(join(tmpdir(), "orkestr-support-load-"));
    await writeFile(join(flowsDir, "hello.yaml"), "id: hello\ntitle: Hello\ndefault: true\nsteps:\n  - id: hi\n    end: Здравствуйте!\n");
    running = await startTestAppWithDatabase({
      FLOWS_DIR: flowsDir,
      TELEGRAM_BOT_TOKEN: "123:TEST-token",
      TELEGRAM_API_ROOT: telegram.url,
      SUPPORT_CHAT_ID: String(supportChat),
      SUPPORT_GROUP_WINDOW_SECONDS: String(windowSeconds),
    });
  });
  afterAll(async () => {
    await running?.stop();
    await telegram.stop();
  });

  it("stays within the group's limit, loses nothing, keeps each customer's order and merges what queued up", async () => {
    for (const id of customers) telegram.pushText(id, "/operator", `Клиент${id}`);
    await Promise.all(customers.map((id) => telegram.waitForSent(id, 1)));
    const words = (id: number) => [`${id}: первое`, `${id}: второе`, `${id}: третье`];
    for (const id of customers) for (const text of words(id)) telegram.pushText(id, text, `Клиент${id}`);

    const topicOf = (id: number) => telegram.topics(supportChat).find((t) => t.name.startsWith(`Клиент${id} `));
    const postsOf = (id: number) => {
      const topic = topicOf(id);
      return topic ? telegram.topicPosts(supportChat, topic.threadId).map((p) => p.text ?? "") : [];
    };
    // Every word once, in the order written, after the card.
    const seen = (id: number) =>
      postsOf(id)
        .join("\n\n")
        .split("\n\n")
        .filter((line) => line.startsWith(`${id}: `));
    await waitFor(
      () => customers.filter((id) => seen(id).length < 3),
      (waiting) => waiting.length === 0,
      "every customer's three messages in their topic",
      60_000,
    );
    for (const id of customers) {
      expect(seen(id)).toEqual(words(id));
      expect(postsOf(id)[0]).toContain("Причина: keyword");
    }
    expect(telegram.topics(supportChat)).toHaveLength(30);
    // Nothing beyond Telegram's limit: no post was refused with 429.
    expect(telegram.calls.filter((c) => c.status === 429)).toEqual([]);
    const { rows } = await running.db.query(
      `SELECT status, count(*)::int AS n FROM "OutboxMessage" WHERE channel = 'support' GROUP BY status ORDER BY status`,
    );
    const byStatus = Object.fromEntries(rows.map((r) => [r.status, r.n]));
    // 30 cards and 90 messages were queued; what queued up behind a slot went out merged.
    expect((byStatus.sent ?? 0) + (byStatus.merged ?? 0)).toBe(120);
    expect(byStatus.merged ?? 0).toBeGreaterThan(0);
    expect(Object.keys(byStatus).sort()).toEqual(
      Object.keys(byStatus)
        .filter((s) => s === "sent" || s === "merged")
        .sort(),
    );
  }, 90_000);
});
