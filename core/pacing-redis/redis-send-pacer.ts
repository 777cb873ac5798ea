import type { Redis } from "ioredis";
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes, RLWrapperTimeouts } from "rate-limiter-flexible";
import type { SendLane, SendPacer } from "../runtime/send-pacer.ts";

export interface PacingRule {
  /** `recipient` limits each chat; `sender` limits the whole bot. */
  scope: "recipient" | "sender";
  /** Messages allowed per window: the burst size. */
  points: number;
  windowSeconds: number;
  /** The lanes that draw from this budget. */
  lanes: readonly SendLane[];
  /**
   * Of a budget both lanes share, the points bulk sends leave to replies: bulk waits once the
   * window has used `points - reservedForReplies`, replies may use all of it (replies first).
   */
  reservedForReplies?: number;
  /**
   * Points bulk leaves unused in every window. A platform that counts over any second, not over
   * our windows, sees a window's first send and the window before's last ones within one second
   * when the network delays them unevenly: one point of headroom keeps that under its limit.
   */
  headroom?: number;
}

/** Without paid broadcasts Telegram takes about 30 bulk messages a second from a bot. */
export const telegramFreeBulkRate = 30;
/** With `allow_paid_broadcast` (0.1 Star a message) up to 1000 a second. */
export const telegramPaidBulkRate = 1000;

/**
 * Telegram: about 1 message/s per chat with small bursts, for replies and bulk alike; ~30
 * messages/s per bot for bulk notifications (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this).
 * Replies are not held to the bulk cap: a 429 with its `retry_after` is waited out instead.
 */
export function telegramPacing(bulkPerSecond: number): PacingRule[] {
  return [
    { scope: "recipient", points: 3, windowSeconds: 3, lanes: ["reply", "bulk"] },
    { scope: "sender", points: bulkPerSecond, windowSeconds: 1, lanes: ["bulk"], headroom: 1 },
  ];
}

/** Telegram takes about 20 messages a minute from a bot in one group (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this). */
export const telegramGroupPostsPerMinute = 20;

/**
 * The support desk's posts into its group, shared by all processes: spread evenly over the
 * window (they go as bulk), so Telegram, counting over any minute, never sees two windows'
 * budgets back to back. Tests shorten the window.
 */
export function telegramGroupPacing(windowSeconds = 60): PacingRule[] {
  // Two posts of headroom: a post that leaves late (a slow round trip) must not push the group
  // over the limit when the next window's first posts follow it closely.
  return [{ scope: "recipient", points: telegramGroupPostsPerMinute, windowSeconds, lanes: ["bulk"], headroom: 2 }];
}

/**
 * VK: 20 API requests per second per community token (https://dev.vk.com/ru/reference/roadmap#limits),
 * shared by both lanes; bulk never takes the last quarter of a second's budget, so a reply
 * finds room while follow-ups go out at full speed.
 */
export const vkPacing: PacingRule[] = [{ scope: "sender", points: 20, windowSeconds: 1, lanes: ["reply", "bulk"], reservedForReplies: 5 }];

/** A Redis that has not answered by then is taken for away: the send is paced in memory instead. */
export const redisPacingTimeoutMs = 250;

/**
 * Told when a send has to wait, e.g. to log or count how pacing holds sends back: for the next
 * window (its budget is used up), or with `slotMs`, for its even slot of the window (bulk).
 */
export type PacingObserver = (held: { lane: SendLane; scope: PacingRule["scope"]; waitMs: number; slotMs?: number }) => void;

interface PacingBudget {
  rule: PacingRule;
  limiter: RateLimiterAbstract;
}

/**
 * Outbound pacing on Redis counters (rate-limiter-flexible), so every process and replica
 * draws from the same budget. A send that would exceed a rule of its lane waits for the window
 * to reset; bulk sends are spread evenly over their window.
 *
 * Replies never wait for Redis: when it is down (not ready) or does not answer within
 * `redisPacingTimeoutMs`, the same rules are kept in this process's memory (the library's
 * insurance limiter) until it is back — per-chat spacing holds, the budget is per process.
 */
export class RedisSendPacer implements SendPacer {
  private readonly budgets: PacingBudget[];

  constructor(
    redis: Redis,
    keyPrefix: string,
    rules: PacingRule[],
    private readonly observer?: PacingObserver,
  ) {
    this.budgets = rules.map((rule) => {
      const inMemory = new RateLimiterMemory({ points: rule.points, duration: rule.windowSeconds });
      const shared = new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: `${keyPrefix}:pace:${rule.scope}:${rule.lanes.join("+")}:${rule.points}per${rule.windowSeconds}s`,
        points: rule.points,
        duration: rule.windowSeconds,
        rejectIfRedisNotReady: true,
        insuranceLimiter: inMemory,
      });
      const limiter = new RLWrapperTimeouts({ limiter: shared, timeoutMs: redisPacingTimeoutMs, insuranceLimiter: inMemory });
      return { rule, limiter: limiter as unknown as RateLimiterAbstract };
    });
  }

  async acquire(recipient: string, lane: SendLane): Promise<void> {
    for (const budget of this.budgets) {
      if (!budget.rule.lanes.includes(lane)) continue;
      const key = budget.rule.scope === "recipient" ? recipient : "all";
      for (;;) {
        const waitMs = await this.take(budget, key, lane);
        if (waitMs === 0) break;
        this.observer?.({ lane, scope: budget.rule.scope, waitMs });
        await new Promise((resolve) => setTimeout(resolve, waitMs));
      }
    }
  }

  /**
   * Takes one point of the budget; returns 0 when taken, else how long to wait before trying
   * again. A bulk send that took its point waits for its own slot of the window: the window's
   * bulk sends go out evenly spread (a platform that counts over any second, not over our
   * windows, never sees a burst of two windows' budgets back to back).
   */
  private async take({ rule, limiter }: PacingBudget, key: string, lane: SendLane): Promise<number> {
    try {
      const taken = await limiter.consume(key);
      const bulkCeiling = Math.max(1, rule.points - (rule.reservedForReplies ?? 0) - (rule.headroom ?? 0));
      if (lane === "reply") return 0;
      if (taken.consumedPoints <= bulkCeiling) {
        const windowMs = rule.windowSeconds * 1000;
        const slotMs = ((taken.consumedPoints - 1) * windowMs) / bulkCeiling;
        const elapsedMs = windowMs - taken.msBeforeNext;
        if (slotMs > elapsedMs) {
          this.observer?.({ lane, scope: rule.scope, waitMs: slotMs - elapsedMs, slotMs });
          await new Promise((resolve) => setTimeout(resolve, slotMs - elapsedMs));
        }
        return 0;
      }
      // Bulk went into the replies' share: give the point back and wait for the next window (a
      // refund lost with Redis costs one point of one window, nothing more).
      await limiter.reward(key).catch(() => {});
      return Math.max(taken.msBeforeNext, 10);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      return Math.max(rejection.msBeforeNext, 10);
    }
  }
}
