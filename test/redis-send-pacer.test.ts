import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type PacingObserver, type PacingRule, RedisSendPacer, telegramPacing, vkPacing } from "../core/pacing-redis/redis-send-pacer.ts";
import type { SendLane } from "../core/runtime/send-pacer.ts";
import { waitFor } from "./support/wait-for.ts";

/**
 * Which sends had to wait is told by the pacer itself (its observer), not read off a clock, so
 * the tests hold on a slow machine too. Windows are seconds long so that one cannot pass
 * unnoticed between two sends of a test.
 */
describe("RedisSendPacer (real Redis)", () => {
  const redis = new Redis(inject("redisUrl"));
  // The app connects before it paces; a Redis not ready yet is paced in memory (see the outage test).
  beforeAll(() => redis.ping());
  afterAll(() => redis.disconnect());

  /**
   * Sends on one fresh budget, each through a pacer of its own (as if from its own process:
   * the budget is shared through Redis); `held` lists the sends that had to wait, and where.
   */
  const budget = (rules: PacingRule[]) => {
    const prefix = `pace-${randomUUID()}`;
    const held: Array<{ label: string; lane: SendLane; scope: string }> = [];
    const slots: Array<{ label: string; slotMs: number }> = [];
    const send = (label: string, recipient: string, lane: SendLane) => {
      let told = false;
      const observer: PacingObserver = ({ scope, slotMs }) => {
        if (slotMs !== undefined) slots.push({ label, slotMs });
        else if (!told) held.push({ label, lane, scope });
        if (slotMs === undefined) told = true;
      };
      return new RedisSendPacer(redis, prefix, rules, observer).acquire(recipient, lane);
    };
    return { held, slots, send, prefix };
  };

  it("lets a chat's burst through, then holds it to its rate, on a budget shared by two processes", async () => {
    const { held, send, prefix } = budget([{ scope: "recipient", points: 2, windowSeconds: 4, lanes: ["reply", "bulk"] }]);
    await send("1st to chat-1", "chat-1", "reply");
    await send("2nd to chat-1", "chat-1", "reply");
    await send("1st to chat-2", "chat-2", "reply");
    expect(held).toEqual([]);
    await send("3rd to chat-1", "chat-1", "reply");
    expect(held).toEqual([{ label: "3rd to chat-1", lane: "reply", scope: "recipient" }]);
    expect(await redis.keys(`${prefix}*`)).not.toHaveLength(0);
  });

  it("Telegram: holds bulk sends to the bulk rate and never holds replies to it", async () => {
    // Scaled down: 3 bulk messages a window, of which one is headroom.
    const [perChat, bulkCap] = telegramPacing(3) as [PacingRule, PacingRule];
    const { held, send } = budget([perChat, { ...bulkCap, windowSeconds: 4 }]);
    for (let chat = 1; chat <= 5; chat++) await send(`reply to chat-${chat}`, `chat-${chat}`, "reply");
    await send("bulk to chat-6", "chat-6", "bulk");
    await send("bulk to chat-7", "chat-7", "bulk");
    expect(held).toEqual([]);
    await send("bulk to chat-8", "chat-8", "bulk");
    await send("reply to chat-9", "chat-9", "reply");
    expect(held).toEqual([{ label: "bulk to chat-8", lane: "bulk", scope: "sender" }]);
  });

  it("spreads a window's bulk sends evenly over it, and never replies", async () => {
    const { held, slots, send } = budget([{ scope: "sender", points: 3, windowSeconds: 6, lanes: ["reply", "bulk"] }]);
    await Promise.all([send("bulk 1", "chat-1", "bulk"), send("bulk 2", "chat-2", "bulk"), send("bulk 3", "chat-3", "bulk")]);
    expect(held).toEqual([]);
    // The window's first goes at once, the others at a third and two thirds of it.
    expect(slots.map((s) => s.slotMs).sort((a, b) => a - b)).toEqual([2000, 4000]);
    const { slots: replySlots, send: reply } = budget([{ scope: "sender", points: 3, windowSeconds: 6, lanes: ["reply", "bulk"] }]);
    await Promise.all([reply("reply 1", "chat-1", "reply"), reply("reply 2", "chat-2", "reply")]);
    expect(replySlots).toEqual([]);
  });

  it("VK: both lanes share one budget and bulk leaves the last of it to replies", async () => {
    const [vkRule] = vkPacing as [PacingRule];
    // Scaled down: 4 requests a window, of which bulk leaves 2 to replies.
    const { held, send } = budget([{ ...vkRule, points: 4, windowSeconds: 4, reservedForReplies: 2 }]);
    await send("bulk 1", "peer-1", "bulk");
    await send("bulk 2", "peer-2", "bulk");
    expect(held).toEqual([]);
    const thirdBulk = send("bulk 3", "peer-3", "bulk");
    await waitFor(
      () => held.length,
      (n) => n === 1,
      "the third bulk send to be held",
    );
    // The held bulk send gave its point back: both replies go at once.
    await send("reply 1", "peer-4", "reply");
    await send("reply 2", "peer-5", "reply");
    expect(held).toEqual([{ label: "bulk 3", lane: "bulk", scope: "sender" }]);
    await thirdBulk;
  });
});
