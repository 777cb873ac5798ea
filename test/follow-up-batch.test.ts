import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { loadFlowDirectory } from "../app/flow-directory.ts";
import { Engine } from "../core/engine/engine.ts";
import { ConversationRuntime } from "../core/runtime/conversation-runtime.ts";
import { PrismaClient } from "../core/store-prisma/generated/client.ts";
import { openDatabase } from "../core/store-prisma/open-database.ts";
import { PrismaConversationStore } from "../core/store-prisma/prisma-conversation-store.ts";
import { freshDatabase } from "./support/fresh-database.ts";
import { statementCountingPool } from "./support/statement-counting-pool.ts";

/** A flow whose first step waits for a button press and follows up with `says`, an hour later each. */
const reminderFlow = (id: string, says: string[]) => `id: ${id}
title: Reminders
steps:
  - id: hello
    say: Hi
    buttons:
      - { text: Done, goto: done }
    followUps:
${says.map((say) => `      - { after: 1h, say: "${say}" }`).join("\n")}
  - id: done
    say: Bye
`;

/**
 * Follow-ups that fall due together are settled in batches (the runtime collects them for a few
 * milliseconds): counted on the PostgreSQL connections, and checked against what firing them
 * one at a time gives.
 */
describe("follow-ups due together (real PostgreSQL)", () => {
  let statements: string[] = [];
  const sent: Array<{ to: string; text: string }> = [];
  let now = new Date("2026-03-02T10:00:00Z");
  const clock = () => now;
  let pool: pg.Pool;
  let prisma: PrismaClient;
  let runtime: ConversationRuntime;

  beforeAll(async () => {
    const databaseUrl = await freshDatabase(inject("databaseUrl"));
    await (await openDatabase({ databaseUrl, dataDir: "" })).close(); // migrates
    const flowsDir = await mkdtemp(join(tmpdir(), "batch-flows-"));
    await writeFile(join(flowsDir, "once.yaml"), reminderFlow("once", ["Reminder for {{ contact.first_name }}"]));
    await writeFile(join(flowsDir, "twice.yaml"), reminderFlow("twice", ["First", "Second"]));
    const counting = statementCountingPool(databaseUrl);
    pool = counting.pool;
    statements = counting.statements;
    prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
    runtime = new ConversationRuntime({
      engine: new Engine(await loadFlowDirectory(flowsDir)),
      store: new PrismaConversationStore(prisma, { pool, clock }),
      scheduler: { schedule: async () => {}, rearm: async () => {}, cancel: async () => {} },
      senders: [{ channel: "web", send: async (to, message) => void sent.push({ to: to.externalId, text: message.text }) }],
      logger: { info() {}, warn() {}, error() {} },
      clock,
    });
  });
  afterAll(async () => {
    await prisma?.$disconnect();
    await pool?.end().catch(() => {});
  });

  /** Starts `flowId` for new contacts; returns their addresses and their pending follow-up ids. */
  async function contactsIn(flowId: string, count: number, prefix: string) {
    const addresses = Array.from({ length: count }, (_, n) => `${prefix}-${n}`);
    for (const [n, address] of addresses.entries()) {
      await runtime.receive(
        `${address}-start`,
        { channel: "web", externalId: address },
        { first_name: `Guest${n}` },
        { type: "start", flowId },
      );
    }
    await runtime.idle();
    const { rows } = await pool.query<{ id: string; externalId: string }>(
      `SELECT f.id, i."externalId" FROM "FollowUp" f JOIN "Conversation" v ON v.id = f."conversationId"
       JOIN "ChannelIdentity" i ON i."contactId" = v."contactId" WHERE i."externalId" LIKE $1 || '-%' ORDER BY f.id`,
      [prefix],
    );
    const followUpsOf = (address: string) => rows.filter((r) => r.externalId === address).map((r) => r.id);
    return { addresses, followUpIds: rows.map((r) => r.id), followUpsOf };
  }

  const textsTo = (address: string) => sent.filter((m) => m.to === address).map((m) => m.text);

  it("settles 20 follow-ups of 20 contacts in one transaction of six statements", async () => {
    const { addresses, followUpIds } = await contactsIn("once", 20, "one");
    expect(followUpIds).toHaveLength(20);
    now = new Date(now.getTime() + 2 * 3600_000);
    statements.length = 0;
    await Promise.all(followUpIds.map((id) => runtime.fireFollowUp(id)));
    await runtime.idle();
    for (const [n, address] of addresses.entries()) expect(textsTo(address)).toEqual(["Hi", `Reminder for Guest${n}`]);
    const transaction = statements.slice(statements.indexOf("BEGIN"), statements.indexOf("COMMIT") + 1);
    const listing = statements.join("\n---\n");
    expect(
      statements.filter((s) => s === "BEGIN"),
      listing,
    ).toHaveLength(1);
    expect(transaction, listing).toHaveLength(6);
    // Besides it, one statement per message sent: noting it sent.
    expect(statements.length - transaction.length, listing).toBe(20);
    const { rows } = await pool.query(`SELECT status, count(*)::int AS n FROM "FollowUp" WHERE id = ANY($1) GROUP BY status`, [
      followUpIds,
    ]);
    expect(rows).toEqual([{ status: "fired", n: 20 }]);
  });

  it("gives what firing one at a time gives: a contact's second follow-up after its first, a settled one not again, an unreachable one skipped", async () => {
    const { addresses, followUpIds, followUpsOf } = await contactsIn("twice", 6, "two");
    expect(followUpIds).toHaveLength(12);
    now = new Date(now.getTime() + 2 * 3600_000);
    const early = followUpsOf(addresses[0] as string)[0] as string;
    const rest = followUpIds.filter((id) => id !== early);
    await runtime.fireFollowUp(early);
    await runtime.idle();
    // The person behind the last address blocked the bot after the follow-ups were planned.
    const unreachable = addresses.at(-1) as string;
    await pool.query(`UPDATE "ChannelIdentity" SET "blockedAt" = now() WHERE "externalId" = $1`, [unreachable]);
    // Every follow-up comes once more, the early one twice, as a job run again would.
    await Promise.all([early, early, ...rest].map((id) => runtime.fireFollowUp(id)));
    await runtime.idle();
    for (const address of addresses.slice(0, -1)) expect(textsTo(address), address).toEqual(["Hi", "First", "Second"]);
    expect(textsTo(unreachable)).toEqual(["Hi"]);
    const { rows } = await pool.query<{ externalId: string; statuses: string[] }>(
      `SELECT i."externalId", array_agg(f.status ORDER BY f.index) AS statuses FROM "FollowUp" f
       JOIN "Conversation" v ON v.id = f."conversationId" JOIN "ChannelIdentity" i ON i."contactId" = v."contactId"
       WHERE f.id = ANY($1) GROUP BY i."externalId" ORDER BY i."externalId"`,
      [followUpIds],
    );
    expect(rows).toEqual(
      addresses.map((address) => ({
        externalId: address,
        statuses: address === unreachable ? ["skipped", "skipped"] : ["fired", "fired"],
      })),
    );
  });
});
