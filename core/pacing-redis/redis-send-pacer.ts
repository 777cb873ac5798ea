import type { Redis } from "ioredis";
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes, RLWrapperTimeouts } from "rate-limiter-flexible";
import type { SendPacer } from "../runtime/send-pacer.ts";

export interface PacingRule {
  /** `recipient` limits each chat; `sender` limits the whole bot. */
  scope: "recipient" | "sender";
  /** Messages allowed per window: the burst size. */
  points: number;
  windowSeconds: number;
}

/** Telegram: about 1 message/s per chat with small bursts, 30 messages/s per bot (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this). */
export const telegramPacing: PacingRule[] = [
  { scope: "recipient", points: 3, windowSeconds: 3 },
  { scope: "sender", points: 30, windowSeconds: 1 },
];

/** VK: 20 API requests per second per community token (https://dev.vk.com/ru/reference/roadmap#limits). */
export const vkPacing: PacingRule[] = [{ scope: "sender", points: 20, windowSeconds: 1 }];

/** A Redis that has not answered by then is taken for away: the send is paced in memory instead. */
export const redisPacingTimeoutMs = 250;

/**
 * Outbound pacing on Redis counters (rate-limiter-flexible), so every process and replica
 * draws from the same budget. A send that would exceed a rule waits for the window to reset.
 *
 * Replies never wait for Redis: when it is down (not ready) or does not answer within
 * `redisPacingTimeoutMs`, the same rules are kept in this process's memory (the library's
 * insurance limiter) until it is back — per-chat spacing holds, the budget is per process.
 */
export class RedisSendPacer implements SendPacer {
  private readonly limiters: Array<{ scope: PacingRule["scope"]; limiter: RateLimiterAbstract }>;

  constructor(redis: Redis, keyPrefix: string, rules: PacingRule[]) {
    this.limiters = rules.map((rule) => {
      const inMemory = new RateLimiterMemory({ points: rule.points, duration: rule.windowSeconds });
      const shared = new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: `${keyPrefix}:pace:${rule.scope}:${rule.points}per${rule.windowSeconds}s`,
        points: rule.points,
        duration: rule.windowSeconds,
        rejectIfRedisNotReady: true,
        insuranceLimiter: inMemory,
      });
      const limiter = new RLWrapperTimeouts({ limiter: shared, timeoutMs: redisPacingTimeoutMs, insuranceLimiter: inMemory });
      return { scope: rule.scope, limiter: limiter as unknown as RateLimiterAbstract };
    });
  }

  async acquire(recipient: string): Promise<void> {
    for (const { scope, limiter } of this.limiters) {
      const key = scope === "recipient" ? recipient : "all";
      for (;;) {
        try {
          await limiter.consume(key);
          break;
        } catch (rejection) {
          if (!(rejection instanceof RateLimiterRes)) throw rejection;
          await new Promise((resolve) => setTimeout(resolve, Math.max(rejection.msBeforeNext, 10)));
        }
      }
    }
  }
}
