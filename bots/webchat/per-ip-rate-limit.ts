import { getConnInfo } from "@hono/node-server/conninfo";
import type { MiddlewareHandler } from "hono";
import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";

/**
 * At most `perMinute` requests a minute from one IP address (rate-limiter-flexible, in this
 * process's memory): a script guessing link codes is slowed to that, a person
 * chatting never notices. Over it: 429 with `Retry-After`. Behind a reverse proxy every client
 * shares the proxy's address, so put the limit on the proxy there instead.
 */
export function perIpRateLimit(perMinute: number): MiddlewareHandler {
  const limiter = new RateLimiterMemory({ points: perMinute, duration: 60 });
  return async (c, next) => {
    const address = getConnInfo(c).remote.address ?? "unknown";
    try {
      await limiter.consume(address);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      const seconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      return c.json({ error: `Too many requests: try again in ${seconds} s` }, 429, { "retry-after": String(seconds) });
    }
    await next();
  };
}
