import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { loadFlowDirectory } from "../app/flow-directory.ts";
import { Engine } from "../core/engine/engine.ts";
import type { OutboundMessage } from "../core/model/outbound-message.ts";
import type { ChannelSender } from "../core/runtime/channel-sender.ts";
import { ConversationRuntime } from "../core/runtime/conversation-runtime.ts";
import { MessageRejectedError } from "../core/runtime/message-rejected-error.ts";
import { type OpenedDatabase, openDatabase } from "../core/store-prisma/open-database.ts";
import { PrismaConversationStore } from "../core/store-prisma/prisma-conversation-store.ts";
import { freshDatabase } from "./support/fresh-database.ts";
import { fixtureFlowsDir } from "./support/test-app.ts";

/** A channel that fails the sends it is told to fail, the way a platform outage or a refusal would. */
class FlakySender implements ChannelSender {
  readonly channel = "telegram" as const;
  readonly delivered = new Map<string, string[]>();
  /** Message text → errors to throw on its next attempts. */
  readonly failures = new Map<string, Error[]>();

  async send(to: { externalId: string }, message: OutboundMessage): Promise<void> {
    const error = this.failures.get(message.text)?.shift();
    if (error) throw error;
    this.delivered.set(to.externalId, [...(this.delivered.get(to.externalId) ?? []), message.text]);
  }
}

const silentLogger = { info() {}, warn() {}, error() {} };
const noTimers = { schedule: async () => {}, rearm: async () => {}, cancel: async () => {} };

/** Outbox retries on real PostgreSQL: passing trouble is retried in order, a refusal is not. */
describe("sending after a failure", () => {
  let now = new Date("2031-03-01T10:00:00.000Z").getTime();
  const clock = () => new Date(now);
  let database: OpenedDatabase;
  let db: pg.Client;
  let runtime: ConversationRuntime;
  const sender = new FlakySender();

  beforeAll(async () => {
    const databaseUrl = await freshDatabase(inject("databaseUrl"));
    database = await openDatabase({ databaseUrl, dataDir: "" });
    db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    runtime = new ConversationRuntime({
      engine: new Engine(await loadFlowDirectory(fixtureFlowsDir)),
      store: new PrismaConversationStore(database.prisma, { clock }),
      scheduler: noTimers,
      senders: [sender],
      logger: silentLogger,
      sendRetryDelaysMs: [300, 300],
      clock,
    });
  });
  afterAll(async () => {
    await db?.end();
    await database?.close();
  });

  const rowsOf = async (chat: string) =>
    (
      await db.query(
        `SELECT payload->>'text' AS text, status, attempts, "nextAttemptAt" IS NOT NULL AS waiting, "lastError"
         FROM "OutboxMessage" WHERE "externalId" = $1 ORDER BY id`,
        [chat],
      )
    ).rows as Array<{ text: string; status: string; attempts: number; waiting: boolean; lastError: string | null }>;
  const start = (chat: string) =>
    runtime.receive(`retry-test:${chat}`, { channel: "telegram", externalId: chat }, {}, { type: "start", payload: "burst" });
  /** Time moves only when the test says so: "not due yet" and "due now" hold on any machine. */
  const pause = (ms: number) => {
    now += ms;
  };

  it("keeps a message that hit passing trouble, holds the later ones back, and sends all in order when due", async () => {
    sender.failures.set("Two", [new Error("socket hang up")]);
    await start("c1");
    expect(sender.delivered.get("c1")).toEqual(["One"]);
    expect((await rowsOf("c1")).slice(1, 3)).toEqual([
      { text: "Two", status: "pending", attempts: 1, waiting: true, lastError: "socket hang up" },
      { text: "Three", status: "pending", attempts: 0, waiting: false, lastError: null },
    ]);
    // Not due yet: a sweep sends nothing, not even the messages after it.
    await runtime.recover("sweep");
    expect(sender.delivered.get("c1")).toEqual(["One"]);
    pause(400);
    await runtime.recover("sweep");
    expect(sender.delivered.get("c1")).toEqual(["One", "Two", "Three", "Four", "Five"]);
    expect((await rowsOf("c1")).map((r) => [r.text, r.status, r.attempts])).toContainEqual(["Two", "sent", 2]);
  });

  it("gives up on a message the platform refuses, at once, and goes on with the next", async () => {
    sender.failures.set("Three", [new MessageRejectedError("Bad Request: message is too long")]);
    await start("c2");
    expect(sender.delivered.get("c2")).toEqual(["One", "Two", "Four", "Five"]);
    expect((await rowsOf("c2"))[2]).toMatchObject({ text: "Three", status: "failed", attempts: 1, waiting: false });
  });

  it("gives up after the last retry and then sends the rest", async () => {
    sender.failures.set("Four", [new Error("ETIMEDOUT"), new Error("ETIMEDOUT"), new Error("ETIMEDOUT")]);
    await start("c3");
    for (let sweep = 0; sweep < 3; sweep++) {
      pause(400);
      await runtime.recover("sweep");
    }
    expect(sender.delivered.get("c3")).toEqual(["One", "Two", "Three", "Five"]);
    expect((await rowsOf("c3"))[3]).toMatchObject({ text: "Four", status: "failed", attempts: 3, lastError: "ETIMEDOUT" });
  });
});
