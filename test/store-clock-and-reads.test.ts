import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { loadFlowDirectory } from "../app/flow-directory.ts";
import { Engine } from "../core/engine/engine.ts";
import type { OutboundMessage } from "../core/model/outbound-message.ts";
import { ConversationRuntime } from "../core/runtime/conversation-runtime.ts";
import { type OpenedDatabase, openDatabase } from "../core/store-prisma/open-database.ts";
import { PrismaConversationStore } from "../core/store-prisma/prisma-conversation-store.ts";
import { utcTimestamps } from "../core/store-prisma/sql-runner.ts";
import { freshDatabase } from "./support/fresh-database.ts";
import { fixtureFlowsDir } from "./support/test-app.ts";

const noTimers = { schedule: async () => {}, rearm: async () => {}, cancel: async () => {} };
const silentLogger = { info() {}, warn() {}, error() {} };

/** The store on real PostgreSQL: its clock is the one given, and what it reads back is checked. */
describe("PrismaConversationStore (real PostgreSQL)", () => {
  let database: OpenedDatabase;
  let db: pg.Client;
  const sent: OutboundMessage[] = [];
  // A moment far from the machine's own clock: a timestamp from anywhere else would show.
  const virtualNow = new Date("2031-07-14T03:00:00.000Z");
  let runtime: ConversationRuntime;

  beforeAll(async () => {
    const databaseUrl = await freshDatabase(inject("databaseUrl"));
    database = await openDatabase({ databaseUrl, dataDir: "" });
    db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    runtime = new ConversationRuntime({
      engine: new Engine(await loadFlowDirectory(fixtureFlowsDir)),
      store: new PrismaConversationStore(database.prisma, { clock: () => virtualNow, pool: database.pool }),
      scheduler: noTimers,
      senders: [{ channel: "web", send: async (_to, message) => void sent.push(message) }],
      logger: silentLogger,
      clock: () => virtualNow,
    });
  });
  afterAll(async () => {
    await db?.end();
    await database?.close();
  });

  it("writes every timestamp of a turn from the injected clock", async () => {
    const session = `clock-${randomUUID()}`;
    await runtime.receive(`k-${session}`, { channel: "web", externalId: session }, {}, { type: "start", flowId: "reminder" });
    // Read back in UTC, as Prisma writes them: the machine's time zone must not matter here.
    const times = await db.query({
      text: `SELECT c."createdAt" AS contact, i."lastSeenAt" AS identity, r."receivedAt" AS receipt,
              (SELECT array_agg(DISTINCT e."createdAt" AT TIME ZONE 'UTC') FROM "Event" e WHERE e."contactId" = c.id) AS events,
              (SELECT array_agg(DISTINCT o."createdAt" AT TIME ZONE 'UTC') FROM "OutboxMessage" o WHERE o."contactId" = c.id) AS outbox,
              (SELECT array_agg(DISTINCT o."sentAt" AT TIME ZONE 'UTC') FROM "OutboxMessage" o WHERE o."contactId" = c.id) AS sent,
              (SELECT array_agg(DISTINCT f."dueAt" > $2) FROM "FollowUp" f JOIN "Conversation" v ON v.id = f."conversationId" WHERE v."contactId" = c.id) AS due_after_now
       FROM "ChannelIdentity" i JOIN "Contact" c ON c.id = i."contactId" JOIN "InboundReceipt" r ON r.key = $1
       WHERE i."externalId" = $3`,
      values: [`k-${session}`, virtualNow.toISOString(), session],
      types: utcTimestamps,
    });
    const row = times.rows[0];
    for (const key of ["contact", "identity", "receipt"]) expect(row[key], key).toEqual(virtualNow);
    for (const key of ["events", "outbox", "sent"]) expect(row[key], key).toEqual([virtualNow]);
    expect(row.due_after_now).toEqual([true]);
  });

  it("fails an outbox row it cannot read, with the reason, and sends the contact's next one", async () => {
    const session = `unreadable-${randomUUID()}`;
    await runtime.receive(`k-${session}`, { channel: "web", externalId: session }, {}, { type: "start", flowId: "reminder" });
    const { rows } = await db.query(`SELECT "contactId" FROM "OutboxMessage" WHERE "externalId" = $1 LIMIT 1`, [session]);
    const insert = `INSERT INTO "OutboxMessage" ("dedupeKey", "contactId", channel, "externalId", payload) VALUES ($1, $2, 'web', $3, $4)`;
    await db.query(insert, [randomUUID(), rows[0].contactId, session, { words: "no text, no format" }]);
    await db.query(insert, [randomUUID(), rows[0].contactId, session, { text: "after the broken one", format: "plain" }]);
    sent.length = 0;
    await runtime.dispatch(rows[0].contactId);
    expect(sent.map((m) => m.text)).toEqual(["after the broken one"]);
    const broken = await db.query(`SELECT status, "lastError" FROM "OutboxMessage" WHERE payload ? 'words'`);
    expect(broken.rows[0].status).toBe("failed");
    expect(broken.rows[0].lastError).toMatch(/^unreadable outbox payload: .*text/s);
  });
});
