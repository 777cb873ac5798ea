/**
 * Vitest global setup: gives the integration tests a real Redis and a real PostgreSQL.
 *
 * `REDIS_URL` / `TEST_DATABASE_URL` point the tests at servers you already run; otherwise
 * throwaway servers are started in fresh temp dirs (installing redis-server via apt when root)
 * and removed afterwards. Tests read the URLs with `inject('redisUrl')` / `inject('databaseUrl')`.
 * @see https://vitest.dev/config/globalsetup
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { findPostgresBin, startPostgres } from "../scripts/postgres-service.ts";
import { findRedisServer, startRedis } from "../scripts/redis-service.ts";
import type { RunningService } from "../scripts/service-process.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** `redis://` URL of a Redis with AOF and `noeviction`. */
    redisUrl: string;
    /** `postgresql://` URL of an existing, possibly empty database. */
    databaseUrl: string;
    /** Path to `redis-server` for tests that start their own instance; '' when REDIS_URL was given. */
    redisBinary: string;
  }
}

// Only installs are worth telling about: they take a while and change the machine.
const log = (message: string) => console.error(`[test services] ${message}`);

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const services: RunningService[] = [];
  const dirs: string[] = [];
  const teardown = async () => {
    const results = await Promise.allSettled(services.map((service) => service.stop()));
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
    const failed = results.find((result) => result.status === "rejected");
    if (failed) throw failed.reason;
  };

  const startRedisIfNeeded = async (): Promise<{ url: string; binary: string }> => {
    const given = process.env.REDIS_URL;
    if (given) return { url: given, binary: "" };
    const binary = await findRedisServer({ log });
    const dir = await mkdtemp(join(tmpdir(), "orkestr-redis-"));
    dirs.push(dir);
    const redis = await startRedis({ dir });
    services.push(redis);
    return { url: redis.url, binary };
  };

  const startPostgresIfNeeded = async (): Promise<string> => {
    const given = process.env.TEST_DATABASE_URL;
    if (given) return given;
    await findPostgresBin({ log });
    const dir = await mkdtemp(join(tmpdir(), "orkestr-pg-"));
    dirs.push(dir);
    const postgres = await startPostgres({ dir });
    services.push(postgres);
    return postgres.url;
  };

  // Start both at once; if either fails, stop whatever did start before reporting the error.
  const [redis, databaseUrl] = await Promise.allSettled([startRedisIfNeeded(), startPostgresIfNeeded()]);
  if (redis.status === "rejected" || databaseUrl.status === "rejected") {
    await teardown().catch(() => {});
    const reasons = [redis, databaseUrl].flatMap((r) => (r.status === "rejected" ? [r.reason] : []));
    if (reasons.length === 1) throw reasons[0];
    throw new AggregateError(reasons, reasons.map((r) => String(r)).join("\n\n"));
  }

  project.provide("redisUrl", redis.value.url);
  project.provide("redisBinary", redis.value.binary);
  project.provide("databaseUrl", databaseUrl.value);
  return teardown;
}
