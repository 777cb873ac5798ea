import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type PacingRule, RedisSendPacer } from "../core/pacing-redis/redis-send-pacer.ts";
import { startRedis } from "../scripts/redis-service.ts";
import type { RunningService } from "../scripts/service-process.ts";

/**
 * Pacing when Redis hangs or goes away, on a Redis of its own (the shared one must not be
 * paused or stopped under the other tests): a reply does not wait for Redis, and a chat's
 * messages are still spaced, in memory.
 */
describe("RedisSendPacer during a Redis outage", () => {
  let dir: string;
  let server: RunningService;
  let redis: Redis;
  const rules: PacingRule[] = [{ scope: "recipient", points: 2, windowSeconds: 3, lanes: ["reply", "bulk"] }];

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

  /** Three sends to one chat; returns which of them had to wait for the chat's budget. */
  const threeSends = async (prefix: string) => {
    const held: number[] = [];
    let current = 0;
    const pacer = new RedisSendPacer(redis, prefix, rules, () => {
      if (!held.includes(current)) held.push(current);
    });
    for (current = 1; current <= 3; current++) await pacer.acquire("chat-1", "reply");
    return held;
  };

  it("paces in memory at once when Redis is gone", async () => {
    await server.stop();
    // The chat's rate still holds: the third send waited, the first two did not.
    expect(await threeSends("gone")).toEqual([3]);
  });

  it("paces in memory when Redis does not answer, without waiting for it", async () => {
    await redis.call("CLIENT", "PAUSE", "8000", "ALL");
    // Another connection's PING is answered only when the pause ends.
    const other = new Redis(server.url);
    const redisBack = other.ping().then(() => "redis answered");
    const paced = threeSends("hung").then((held) => ({ held }));
    expect(await Promise.race([paced, redisBack])).toEqual({ held: [3] });
    await redisBack;
    other.disconnect();
  });
});
