/**
 * `npm run demo`: the example flows in the web chat on http://localhost:3000, with the
 * embedded database (PGlite in .data/) and a local Redis started for you. Telegram and VK
 * join in when their tokens are set (see .env.example).
 */
import { mkdir } from "node:fs/promises";
import { resolve } from "node:path";
import type { Logger } from "pino";
import { loadConfig } from "../app/config.ts";
import { startOrkestr } from "../app/orkestr-app.ts";
import { createRedactingLogger } from "../app/redacting-logger.ts";
import { FlowError } from "../core/flow/flow-error.ts";
import { findRedisServer, startRedis } from "./redis-service.ts";
import type { RunningService } from "./service-process.ts";

async function localRedis(dataDir: string, logger: Logger): Promise<RunningService | undefined> {
  if (process.env.REDIS_URL) return undefined;
  await findRedisServer({ log: (message) => logger.info(message) });
  const dir = resolve(dataDir, "redis");
  await mkdir(dir, { recursive: true });
  // Append-only file in .data/redis: pending follow-ups survive a demo restart.
  return startRedis({ dir });
}

let redis: RunningService | undefined;
try {
  // Read first: a bad setting (the log level too) is reported before a Redis is started for nothing.
  const config = loadConfig({ FLOWS_WATCH: "true", WEBCHAT_ENABLED: "true", PAYMENTS_TEST: "true", ...process.env });
  // People read the demo's log: pretty-print it (production logs stay JSON lines).
  const logger = createRedactingLogger(config, { transport: { target: "pino-pretty", options: { translateTime: "HH:MM:ss" } } });
  const dataDir = resolve(config.DATA_DIR);
  redis = await localRedis(dataDir, logger);
  const app = await startOrkestr({ ...config, DATA_DIR: dataDir, ...(redis ? { REDIS_URL: redis.url } : {}) }, logger);
  console.log(`\n  Orkestr demo is running: open ${app.url}/ to chat with the example flows.\n  Stop with Ctrl+C.\n`);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, async () => {
      await app.stop();
      await redis?.stop();
      process.exit(0);
    });
  }
} catch (error) {
  await redis?.stop();
  if (error instanceof FlowError) console.error(`Flow files have errors:\n${error.message}`);
  else console.error(`Could not start the demo: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
