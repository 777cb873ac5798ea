import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../app/config.ts";
import { AppProcess } from "./support/app-process.ts";
import { testConfig } from "./support/test-app.ts";
import { waitFor } from "./support/wait-for.ts";
import { WebChatClient } from "./support/web-chat-client.ts";
import { WebChatStream } from "./support/web-chat-stream.ts";

/**
 * Integration: two app processes on one PostgreSQL and one Redis, like two replicas behind a
 * load balancer that sends a page's stream to one and its posts (or a follow-up) to the other.
 */
describe("web chat across replicas", () => {
  let config: Config;
  let replicaA: AppProcess;
  let replicaB: AppProcess;
  let streams: WebChatStream[] = [];

  beforeAll(async () => {
    // Replicas behind one URL share the secret, so a session cookie from one is good on the other.
    config = await testConfig({ WEBCHAT_SESSION_SECRET: randomBytes(32).toString("base64url") });
    replicaA = await AppProcess.create(config);
    replicaB = await AppProcess.create(config);
    // One after the other: the first one migrates the fresh database.
    await replicaA.start();
    await replicaB.start();
  });
  afterEach(async () => {
    await Promise.all(streams.map((stream) => stream.close()));
    streams = [];
  });
  afterAll(async () => {
    // Exit code 0: the graceful shutdown, subscriber connection included, completed.
    expect(await Promise.all([replicaA?.stop(), replicaB?.stop()])).toEqual([0, 0]);
  });

  it("streams to a page on one replica what the other replica sent, and to the sender's own pages once", async () => {
    const chat = await new WebChatClient(replicaB.url).open();
    streams.push(await WebChatStream.open(chat.at(replicaA.url)), await WebChatStream.open(chat));
    const [onA, onB] = streams as [WebChatStream, WebChatStream];
    const seen = (stream: WebChatStream) => stream.messages.map((m) => `${m.direction} ${m.text}`);

    await chat.start("consent");
    expect(await onA.waitForMessage((m) => m.direction === "out", "the first question on replica A")).toMatchObject({
      text: "Agree to <b>terms</b>?",
      buttons: [[{ label: "Согласен", payload: expect.any(String) }], [{ label: "Не согласен", payload: expect.any(String) }]],
    });
    await chat.press("Согласен");
    await onA.waitForMessage((m) => m.text === "Phone?", "the next question on replica A");
    await chat.say("8 916 123 45 67");
    // The follow-up is fired by whichever replica's queue worker takes the job.
    await onA.waitForMessage((m) => m.text === "Marketing follow-up", "the follow-up on replica A");
    await onB.waitForMessage((m) => m.text === "Marketing follow-up", "the follow-up on replica B");

    const transcript = [
      "out Agree to <b>terms</b>?",
      "in Согласен",
      "out Phone?",
      "in 8 916 123 45 67",
      "out Thanks",
      "out Marketing follow-up",
    ];
    expect(seen(onA)).toEqual(transcript);
    expect(seen(onB)).toEqual(transcript);
  });

  it("logs and drops malformed relay messages and keeps relaying", async () => {
    const chat = await new WebChatClient(replicaB.url).open();
    const stream = await WebChatStream.open(chat.at(replicaA.url));
    streams.push(stream);
    const redis = new Redis(config.REDIS_URL);
    try {
      await redis.publish(`${config.QUEUE_PREFIX}:webchat`, "not json");
      await redis.publish(
        `${config.QUEUE_PREFIX}:webchat`,
        JSON.stringify({ origin: "elsewhere", sessionId: chat.session, message: { id: 1, text: "no direction" } }),
      );
      // Not a session id the routes accept, and a name an EventEmitter throws on when nobody listens.
      await redis.publish(
        `${config.QUEUE_PREFIX}:webchat`,
        JSON.stringify({
          origin: "elsewhere",
          sessionId: "error",
          message: { id: "out-1", direction: "out", text: "boom", createdAt: new Date().toISOString() },
        }),
      );
    } finally {
      redis.disconnect();
    }

    await chat.start("counter");
    await stream.waitForMessage((m) => m.text === "Send anything", "the question on replica A");
    expect(stream.messages.map((m) => m.text)).toEqual(["Send anything"]);
    // The log comes through the child's stdout, which may lag behind the stream.
    await waitFor(
      () => replicaA.output.match(/malformed web chat relay message dropped/g)?.length ?? 0,
      (count) => count === 3,
      "three dropped messages in replica A's log",
    );
    expect(await fetch(`${replicaA.url}/health`).then((r) => r.status)).toBe(200);
  });
});
