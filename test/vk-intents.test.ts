import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeVkApi } from "./fakes/fake-vk-api.ts";
import { startTestAppWithDatabase, type TestAppWithDatabase } from "./support/test-app.ts";

const flow = `id: club
title: Club
default: true
settings: { requireConsent: false }
steps:
  - id: hi
    say: Здравствуйте!
    buttons: [{ text: Позже, goto: later }]
  - id: later
    say: Хорошо!
    buttons: [{ text: Дальше, goto: hi }]
    followUps:
      - { after: 2d, say: Скидка на абонемент }
      - { after: 2d, say: Напоминаем о вашей записи на завтра, marketing: false }
`;

/**
 * VK's rules on real PostgreSQL and Redis, through the real vk-io and a fake VK API that enforces
 * them: a reply goes without an intent; two days after the person last wrote, a service
 * reminder goes with `intent=confirmed_notification`, and marketing — which would need a
 * newsletter subscription — is not sent at all.
 */
describe("VK intents", () => {
  const vk = new FakeVkApi(785);
  let running: TestAppWithDatabase;

  beforeAll(async () => {
    await vk.start();
    const flowsDir = await mkdtemp(join(tmpdir(), "orkestr-vk-intents-"));
    await writeFile(join(flowsDir, "club.yaml"), flow);
    running = await startTestAppWithDatabase({
      FLOWS_DIR: flowsDir,
      VK_GROUP_TOKEN: "vk1.a.test-token",
      VK_GROUP_ID: "785",
      VK_API_BASE_URL: `${vk.url}/method`,
    });
  });
  afterAll(async () => {
    await running?.stop();
    await vk.stop();
  });

  it("answers without an intent, reminds with confirmed_notification after 24 hours, and sends no marketing then", async () => {
    vk.pushMessage(7201, "Привет");
    await vk.waitForSent(7201, 1);
    vk.pressButton(7201, "Позже");
    const replies = await vk.waitForSent(7201, 2);
    expect(replies.map((m) => m.params.intent)).toEqual([undefined, undefined]);

    // Two days on: the person has not written since.
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600 * 1000);
    vk.lastWroteAt(7201, twoDaysAgo);
    await running.db.query(`UPDATE "ChannelIdentity" SET "lastSeenAt" = $1 WHERE "externalId" = '7201'`, [twoDaysAgo.toISOString()]);
    const { rows } = await running.db.query(`SELECT id, index FROM "FollowUp" ORDER BY index`);
    for (const row of rows) await running.app.runtime.fireFollowUp(row.id);
    const [, , reminder] = await vk.waitForSent(7201, 3);
    expect(reminder?.text).toBe("Напоминаем о вашей записи на завтра");
    expect(reminder?.params.intent).toBe("confirmed_notification");
    expect(vk.sent(7201)).toHaveLength(3);
    const skipped = await running.db.query(`SELECT data FROM "Event" WHERE type = 'followup_skipped'`);
    expect(skipped.rows.map((r) => r.data)).toEqual([{ visit: 2, stepId: "later", index: 0, reason: "outside_vk_window" }]);
    // What VK would refuse is never asked of it.
    expect(vk.calls.filter((c) => c.method === "messages.send" && c.error !== undefined)).toEqual([]);
  });
});
