import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterEach, beforeEach, describe, expect, inject, it } from "vitest";
import { RedisSendPacer } from "../core/pacing-redis/redis-send-pacer.ts";
import { startRedis } from "../scripts/redis-service.ts";
import type { RunningService } from "../scripts/service-process.ts";

/**
 * Pacing when Redis hangs or goes away, on a Redis of its own (the shared one must not be
 * paused or stopped under the other tests): a reply does not wait for Redis, and a chat's
 * messages are still spaced, in memory.
 */
describe.skipIf(!inject("redisBinary"))("RedisSendPacer during a Redis outage", () => {
  let dir: string;
  let server: RunningService;
  let redis: Redis;
  const rules = [{ scope: "recipient" as const, points: 2, windowSeconds: 1 }];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "orkestr-pacer-redis-"));
    server = await startRedis({ dir });
    // Opened the way app/orkestr-app.ts opens it.
    redis = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 3 });
    await redis.connect();
    redis.on("error", () => {});
  });
  afterEach(async () => {
    redis?.disconnect();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** How long three sends to one chat take to be let through, in ms from the start. */
  const threeSends = async (pacer: RedisSendPacer) => {
    const started = Date.now();
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      await pacer.acquire("chat-1");
      times.push(Date.now() - started);
    }
    return times;
  };

  it("paces in memory at once when Redis is gone", async () => {
    const pacer = new RedisSendPacer(redis, "gone", rules);
    await server.stop();
    const [first, second, third] = await threeSends(pacer);
    expect(first).toBeLessThan(200);
    expect(second).toBeLessThan(200);
    expect(third).toBeGreaterThanOrEqual(900); // the chat's rate still holds
  });

  it("paces in memory when Redis does not answer", async () => {
    const pacer = new RedisSendPacer(redis, "hung", rules);
    await redis.call("CLIENT", "PAUSE", "5000", "ALL");
    const [first, second] = await threeSends(pacer);
    expect(first).toBeLessThan(1_000);
    expect(second).toBeLessThan(1_500);
  });
});
