import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, inject, it } from "vitest";
import { RedisWebChatRelay } from "../bots/webchat/redis-web-chat-relay.ts";
import { WebChatChannel, type WebChatMessage } from "../bots/webchat/web-chat-channel.ts";
import { startRedis } from "../scripts/redis-service.ts";
import type { RunningService } from "../scripts/service-process.ts";

/**
 * The relay when Redis hangs or goes away, on a Redis of its own (the shared one must not be
 * paused or stopped under the other tests): a send neither hangs nor fails, this process's
 * pages still get the message, and the lost relay is logged.
 */
describe.skipIf(!inject("redisBinary"))("web chat relay during a Redis outage", () => {
  let dir: string;
  let server: RunningService;
  let redis: Redis;
  let relay: RedisWebChatRelay;
  let channel: WebChatChannel;
  let warnings: string[];
  let onThisProcess: WebChatMessage[];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "orkestr-relay-redis-"));
    server = await startRedis({ dir });
    // Opened the way app/orkestr-app.ts opens it.
    redis = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 3 });
    await redis.connect();
    redis.on("error", () => {}); // the outage is the point here; the relay reports what matters
    warnings = [];
    const logger = pino({ level: "warn" }, { write: (line: string) => warnings.push((JSON.parse(line) as { msg: string }).msg) });
    relay = await RedisWebChatRelay.start({ redis, channel: "outage:webchat", logger });
    channel = new WebChatChannel(relay);
    onThisProcess = [];
    channel.subscribe("session-1", (message) => onThisProcess.push(message));
  });
  afterEach(async () => {
    relay?.close();
    redis?.disconnect();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const timedSend = async (text: string) => {
    const started = Date.now();
    await channel.send({ externalId: "session-1", outboxId: 1n, dedupeKey: "k#0" }, { text, format: "plain" });
    return Date.now() - started;
  };

  it("gives up on a Redis that does not answer", async () => {
    // PUBLISH is held back by a write pause, like by a Redis that hangs.
    await redis.call("CLIENT", "PAUSE", "5000", "WRITE");
    expect(await timedSend("Hello")).toBeLessThan(3_000);
    expect(onThisProcess.map((m) => m.text)).toEqual(["Hello"]);
    expect(warnings).toContain("web chat message not relayed to other replicas; their pages get it from the history on reconnect");
  });

  it("gives up on a Redis that is gone", async () => {
    await server.stop();
    expect(await timedSend("Hello")).toBeLessThan(3_000);
    expect(onThisProcess.map((m) => m.text)).toEqual(["Hello"]);
    expect(warnings).toContain("web chat message not relayed to other replicas; their pages get it from the history on reconnect");
  });
});
