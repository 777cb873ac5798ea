/**
 * Proves the service launchers behind `npm test` work: the provided Redis and PostgreSQL answer,
 * and a Redis restarted on the same dir keeps its data (the follow-up queue relies on that).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import pg from "pg";
import { afterAll, describe, expect, inject, it } from "vitest";
import { startRedis } from "../scripts/redis-service.ts";
import type { RunningService } from "../scripts/service-process.ts";

describe("test services", () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it("provides a Redis that stores and returns a key", async () => {
    const redis = new Redis(inject("redisUrl"), { maxRetriesPerRequest: 1 });
    cleanups.push(async () => void redis.disconnect());
    const key = `services-test:${process.pid}:${Date.now()}`;
    await redis.set(key, "hello", "EX", 60);
    expect(await redis.get(key)).toBe("hello");
    // BullMQ loses delayed jobs under eviction; the launched server must refuse to evict.
    if (!process.env.REDIS_URL) {
      expect(await redis.config("GET", "maxmemory-policy")).toEqual(["maxmemory-policy", "noeviction"]);
      expect(await redis.config("GET", "appendonly")).toEqual(["appendonly", "yes"]);
    }
  });

  it("keeps Redis data across a stop and start on the same dir (AOF)", { timeout: 30_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), "orkestr-redis-restart-"));
    let server: RunningService | undefined;
    cleanups.push(async () => {
      await server?.stop();
      await rm(dir, { recursive: true, force: true });
    });

    server = await startRedis({ dir });
    const first = new Redis(server.url, { maxRetriesPerRequest: 1 });
    await first.set("survives-restart", "yes");
    await first.zadd("delayed", 1_700_000_000_000, "job-1");
    await first.quit();
    await server.stop();

    server = await startRedis({ dir });
    const second = new Redis(server.url, { maxRetriesPerRequest: 1 });
    try {
      expect(await second.get("survives-restart")).toBe("yes");
      expect(await second.zrange("delayed", 0, -1)).toEqual(["job-1"]);
    } finally {
      await second.quit();
    }
  });

  it("provides a PostgreSQL database", async () => {
    const client = new pg.Client({ connectionString: inject("databaseUrl") });
    await client.connect();
    try {
      const result = await client.query<{ version: string }>("select version()");
      expect(result.rows[0]?.version).toMatch(/^PostgreSQL \d+/);
    } finally {
      await client.end();
    }
  });
});
