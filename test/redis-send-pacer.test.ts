import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, inject, it } from "vitest";
import { RedisSendPacer } from "../core/pacing-redis/redis-send-pacer.ts";

describe("RedisSendPacer (real Redis)", () => {
  const redis = new Redis(inject("redisUrl"));
  afterAll(() => redis.disconnect());

  it("lets a burst through, then holds each recipient to its rate, shared by two pacers", async () => {
    // The app connects before it paces; a Redis not ready yet is paced in memory (see the outage test).
    await redis.ping();
    const prefix = `pace-${randomUUID()}`;
    const rules = [{ scope: "recipient" as const, points: 2, windowSeconds: 1 }];
    // Two pacers on one Redis stand for two processes.
    const [a, b] = [new RedisSendPacer(redis, prefix, rules), new RedisSendPacer(redis, prefix, rules)];
    const started = Date.now();
    const times: number[] = [];
    await Promise.all([a, b, a].map((pacer) => pacer.acquire("chat-1").then(() => times.push(Date.now() - started))));
    const before = Date.now();
    await b.acquire("chat-2"); // another chat has its own budget: no wait
    const chat2Wait = Date.now() - before;
    times.sort((x, y) => x - y);
    expect(times[1]).toBeLessThan(500);
    expect(times[2]).toBeGreaterThanOrEqual(900); // the third message to chat-1 waited for the next window
    expect(chat2Wait).toBeLessThan(500);
    expect(await redis.keys(`${prefix}*`)).not.toHaveLength(0);
  });
});
