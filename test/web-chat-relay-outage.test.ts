import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RedisWebChatRelay } from "../bots/webchat/redis-web-chat-relay.ts";
import { WebChatChannel, type WebChatMessage } from "../bots/webchat/web-chat-channel.ts";
import { startRedis } from "../scripts/redis-service.ts";
import type { RunningService } from "../scripts/service-process.ts";

/**
 * The relay when Redis hangs or goes away, on a Redis of its own (the shared one must not be
 * paused or stopped under the other tests): a send neither hangs nor fails, this process's
 * pages still get the message, and the lost relay is logged.
 */
describe("web chat relay during a Redis outage", () => {
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

  const send = (text: string) => channel.send({ externalId: "session-1", outboxId: 1n, dedupeKey: "k#0" }, { text, format: "plain" });

  it("gives up on a Redis that does not answer", async () => {
    // PUBLISH is held back by a write pause, like by a Redis that hangs.
    await redis.call("CLIENT", "PAUSE", "8000", "WRITE");
    // Another connection's write is answered only when the pause ends: the send must not wait for that.
    const other = new Redis(server.url);
    const redisBack = other.set("probe", "1").then(() => "redis answered");
    expect(await Promise.race([send("Hello").then(() => "sent"), redisBack])).toBe("sent");
    await redisBack;
    other.disconnect();
    expect(onThisProcess.map((m) => m.text)).toEqual(["Hello"]);
    expect(warnings).toContain("web chat message not relayed to other replicas; their pages get it from the history on reconnect");
  });

  it("gives up on a Redis that is gone", async () => {
    await server.stop();
    // Resolves (the test's timeout would catch a send that waits for a Redis that never comes back).
    await send("Hello");
    expect(onThisProcess.map((m) => m.text)).toEqual(["Hello"]);
    expect(warnings).toContain("web chat message not relayed to other replicas; their pages get it from the history on reconnect");
  });
});
