import { Writable } from "node:stream";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedactingLogger } from "../app/redacting-logger.ts";
import { FakeTelegramApi } from "./fakes/fake-telegram-api.ts";
import { FakeVkApi } from "./fakes/fake-vk-api.ts";
import { type FuzzCase, type SingleCase, updatesOf } from "./support/fuzz-case.ts";
import { FuzzRunner } from "./support/fuzz-runner.ts";
import { TelegramFuzzDoor } from "./support/telegram-fuzz-door.ts";
import { type TelegramPlan, telegramPlans } from "./support/telegram-fuzz-plans.ts";
import { startTestAppWithDatabase, type TestAppWithDatabase } from "./support/test-app.ts";
import { VkFuzzDoor } from "./support/vk-fuzz-door.ts";
import { type VkPlan, vkPlans } from "./support/vk-fuzz-plans.ts";
import { WebChatFuzzDoor, type WebChatPlan } from "./support/web-chat-fuzz-door.ts";

/** Fixed, so that every run sends the same requests; fast-check prints it (and the path) with a failure. */
const seed = 7_310_529;
const rounds = 4;
/** Requests per round: with 4 rounds, 2,000 platform updates and 1,000 web chat requests in all. */
const perRound = { telegram: 250, vk: 250, web: 250 };

const vkGroupId = 779;
const secrets = {
  TELEGRAM_BOT_TOKEN: "7350492211:AAFuzzBotToken-SECRET_part_x9y8w7",
  TELEGRAM_WEBHOOK_SECRET: "fuzz-webhook-SECRET-4f1c",
  VK_GROUP_TOKEN: "vk1.a.fuzz-community-token-SECRET-77aa",
  VK_CALLBACK_SECRET: "fuzz-callback-SECRET-9b2e",
  VK_CONFIRMATION_CODE: "conf-fuzz-1a2b",
};

interface RoundPlans {
  telegram: TelegramPlan[];
  vk: VkPlan[];
  web: WebChatPlan[];
}

/** A round's plans; printed short, since fast-check prints the counterexample of a failure. */
const roundPlans: fc.Arbitrary<RoundPlans> = fc
  .record({
    telegram: fc.array(telegramPlans, { minLength: perRound.telegram, maxLength: perRound.telegram }),
    vk: fc.array(vkPlans, { minLength: perRound.vk, maxLength: perRound.vk }),
    web: fc.array(WebChatFuzzDoor.plans, { minLength: perRound.web, maxLength: perRound.web }),
  })
  .map((plans) => Object.assign(plans, { [fc.toStringMethod]: () => "one round of fuzz plans (replayed by the seed)" }));

/**
 * Plans in order, skipping a conversation that would not fit, until they send exactly `count`
 * requests (most plans send one, so the count is met).
 */
function exactly<Plan>(plans: Plan[], count: number, requestsOf: (plan: Plan) => number): Plan[] {
  const taken: Plan[] = [];
  let total = 0;
  for (const plan of plans) {
    if (total + requestsOf(plan) > count) continue;
    taken.push(plan);
    total += requestsOf(plan);
  }
  if (total !== count) throw new Error(`plans make ${total} requests, not ${count}`);
  return taken;
}

/**
 * The inbound doors under fuzzing: the app in this process with the Telegram webhook, the VK
 * Callback API and the web chat, on real PostgreSQL and Redis, the real grammY and vk-io
 * talking to the local fake platforms. Seeded and bounded.
 */
describe("inbound doors under 2,000 fuzzed updates and 1,000 web chat requests", () => {
  const telegramApi = new FakeTelegramApi();
  const vkApi = new FakeVkApi(vkGroupId);
  const logLines: string[] = [];
  const phones = new Set<string>();
  let running: TestAppWithDatabase;
  const sentByDoor = new Map<string, number>();

  beforeAll(async () => {
    await telegramApi.start();
    await vkApi.start();
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logLines.push(String(chunk));
        done();
      },
    });
    // The app's own logger at its most talkative level: what an operator could turn on.
    const logger = createRedactingLogger({ LOG_LEVEL: "debug", ...secrets }, {}, sink);
    running = await startTestAppWithDatabase(
      {
        ...secrets,
        LOG_LEVEL: "debug",
        TELEGRAM_API_ROOT: telegramApi.url,
        TELEGRAM_WEBHOOK_URL: "https://bot.example.test/telegram/webhook",
        VK_GROUP_ID: String(vkGroupId),
        VK_API_BASE_URL: `${vkApi.url}/method`,
      },
      logger,
    );
  });
  afterAll(async () => {
    await running?.stop();
    await telegramApi.stop();
    await vkApi.stop();
  });

  it("answers every person, acknowledges and keeps every malformed update, refuses forgeries, and never fails with 5xx", async () => {
    const doors = {
      telegram: new TelegramFuzzDoor(telegramApi, secrets.TELEGRAM_WEBHOOK_SECRET),
      vk: new VkFuzzDoor(vkApi, { groupId: vkGroupId, secret: secrets.VK_CALLBACK_SECRET, confirmationCode: secrets.VK_CONFIRMATION_CODE }),
      web: new WebChatFuzzDoor(() => running.app.url),
    };
    await fc.assert(
      fc.asyncProperty(roundPlans, async (plans) => {
        for (const plan of [...plans.telegram, ...plans.vk, ...plans.web]) if ("phone" in plan) phones.add(plan.phone);
        const cases = {
          telegram: exactly(plans.telegram, perRound.telegram, updatesOf).map((p) => doors.telegram.build(p)),
          vk: exactly(plans.vk, perRound.vk, updatesOf).map((p) => doors.vk.build(p)),
          web: exactly(plans.web, perRound.web, WebChatFuzzDoor.requestsOf).map((p) => doors.web.build(p)),
        };
        const rejectedBefore = await lastRejectedId();
        const runner = new FuzzRunner(running.app.url, { conversations: 8, requests: 3 });
        await runner.run([
          { door: doors.telegram, cases: cases.telegram },
          { door: doors.vk, cases: cases.vk },
          { door: doors.web, cases: cases.web },
        ]);
        for (const [door, count] of runner.sent) sentByDoor.set(door, (sentByDoor.get(door) ?? 0) + count);
        expect(runner.serverErrors.slice(0, 30), `${runner.serverErrors.length} requests answered 5xx or not at all`).toEqual([]);
        const problems = [
          ...runner.problems,
          ...(await rejectionProblems("telegram", cases.telegram, rejectedBefore)),
          ...(await rejectionProblems("vk", cases.vk, rejectedBefore)),
        ];
        expect(problems.slice(0, 30), `${problems.length} problems`).toEqual([]);
      }),
      { seed, numRuns: rounds, endOnFailure: true },
    );
    expect(Object.fromEntries(sentByDoor)).toEqual({
      telegram: rounds * perRound.telegram,
      vk: rounds * perRound.vk,
      web: rounds * perRound.web,
    });
  }, 180_000);

  it("is still up and healthy afterwards", async () => {
    const health = await fetch(`${running.app.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok", database: "ok", redis: "ok" });
  });

  it("logged neither a token nor a secret nor a customer's phone number, at debug level", () => {
    // Timestamps are long digit runs that a phone number could happen to be part of.
    const log = logLines.join("").replace(/"time":\d+/g, "");
    // The run did log (malformed updates are logged once each), so the check below looks at something.
    expect(log).toContain("telegram update skipped: malformed");
    expect(log).toContain("vk callback skipped");
    for (const [setting, value] of Object.entries(secrets)) expect(log.includes(value), `${setting} in the log`).toBe(false);
    expect(phones.size).toBeGreaterThan(0);
    for (const phone of [...phones, "+79161234567"]) {
      const e164 = `+7${phone.replace(/\D/g, "").slice(1)}`;
      expect(log.includes(phone) || log.includes(e164), `${phone} in the log`).toBe(false);
    }
  });

  const lastRejectedId = async (): Promise<string> =>
    (await running.db.query(`SELECT COALESCE(MAX(id), 0)::text AS id FROM "RejectedInbound"`)).rows[0].id as string;

  /** Every malformed update of the round kept once under its key, and nothing else. */
  const rejectionProblems = async (channel: string, cases: FuzzCase[], after: string): Promise<string[]> => {
    const { rows } = await running.db.query(`SELECT key FROM "RejectedInbound" WHERE channel = $1 AND id > $2::bigint`, [channel, after]);
    const kept = rows.map((r) => (r.key as string | null) ?? "(no key)");
    const expected = cases.filter(
      (c): c is SingleCase & { rejectedKey: string | null } => c.type === "single" && c.rejectedKey !== undefined,
    );
    const missing: string[] = [];
    for (const c of expected) {
      const at = kept.indexOf(c.rejectedKey ?? "(no key)");
      if (at === -1) missing.push(`${channel} ${c.kind}: not kept in RejectedInbound (key ${c.rejectedKey})`);
      else kept.splice(at, 1);
    }
    return [...missing, ...kept.map((key) => `${channel}: kept in RejectedInbound although not malformed (key ${key})`)];
  };
});
