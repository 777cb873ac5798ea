import type { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import type { AttemptLimiter } from "../runtime/attempt-limiter.ts";

/**
 * Attempts counted on Redis (rate-limiter-flexible), `perWindow` per key per `windowSeconds`.
 * While Redis is away the count goes on in this process's memory: limited still, per process.
 */
export class RedisAttemptLimiter implements AttemptLimiter {
  private readonly limiter: RateLimiterRedis;

  constructor(redis: Redis, keyPrefix: string, perWindow: number, windowSeconds: number) {
    this.limiter = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix,
      points: perWindow,
      duration: windowSeconds,
      rejectIfRedisNotReady: true,
      insuranceLimiter: new RateLimiterMemory({ points: perWindow, duration: windowSeconds }),
    });
  }

  async attempt(key: string): Promise<boolean> {
    try {
      await this.limiter.consume(key);
      return true;
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) return false;
      throw rejection;
    }
  }
}
