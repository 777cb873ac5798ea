import { randomUUID } from "node:crypto";
import { PrismaPg } from "@prisma/adapter-pg";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { loadFlowDirectory } from "../app/flow-directory.ts";
import { Engine } from "../core/engine/engine.ts";
import type { OutboundMessage } from "../core/model/outbound-message.ts";
import { ConversationRuntime } from "../core/runtime/conversation-runtime.ts";
import { PrismaClient } from "../core/store-prisma/generated/client.ts";
import { openDatabase } from "../core/store-prisma/open-database.ts";
import { PrismaConversationStore } from "../core/store-prisma/prisma-conversation-store.ts";
import { freshDatabase } from "./support/fresh-database.ts";
import { type StatementCountingPool, statementCountingPool } from "./support/statement-counting-pool.ts";
import { fixtureFlowsDir } from "./support/test-app.ts";

/**
 * What a returning customer's turn costs PostgreSQL, counted on the connections themselves:
 * every statement sent is a round trip; a commit is a COMMIT or a write outside a transaction.
 */
describe("the cost of a returning customer's turn (real PostgreSQL)", () => {
  let counting: StatementCountingPool;
  let pool: pg.Pool;
  let prisma: PrismaClient;
  let runtime: ConversationRuntime;
  const sent: OutboundMessage[] = [];

  beforeAll(async () => {
    const databaseUrl = await freshDatabase(inject("databaseUrl"));
    await (await openDatabase({ databaseUrl, dataDir: "" })).close(); // migrates
    counting = statementCountingPool(databaseUrl);
    pool = counting.pool;
    prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
    runtime = new ConversationRuntime({
      engine: new Engine(await loadFlowDirectory(fixtureFlowsDir)),
      store: new PrismaConversationStore(prisma, { pool }),
      scheduler: { schedule: async () => {}, rearm: async () => {}, cancel: async () => {} },
      senders: [{ channel: "web", send: async (_to, message) => void sent.push(message) }],
      logger: { info() {}, warn() {}, error() {} },
    });
  });
  afterAll(async () => {
    await prisma?.$disconnect();
    await pool?.end().catch(() => {});
  });

  /** Commits among the statements: COMMITs, and writes sent outside a transaction (each its own). */
  const commitsIn = (sql: string[]) => {
    let inTransaction = false;
    let commits = 0;
    for (const statement of sql) {
      if (/^BEGIN/i.test(statement)) inTransaction = true;
      else if (/^(COMMIT|ROLLBACK)/i.test(statement)) {
        inTransaction = false;
        if (/^COMMIT/i.test(statement)) commits++;
      } else if (!inTransaction && /^(WITH|INSERT|UPDATE|DELETE)/i.test(statement)) commits++;
    }
    return commits;
  };

  it("takes 6 statements in 3 round trips and 2 commits, the reply included", async () => {
    const session = `cost-${randomUUID()}`;
    const from = { channel: "web" as const, externalId: session };
    await runtime.receive(`${session}-1`, from, {}, { type: "start", flowId: "counter" });
    await runtime.receive(`${session}-2`, from, {}, { type: "text", text: "first" });
    const repliesBefore = sent.length;
    counting.reset();
    await runtime.receive(`${session}-3`, from, {}, { type: "text", text: "again" });
    await runtime.idle();
    expect(sent.slice(repliesBefore).map((m) => m.text)).toEqual(["Send anything"]);
    const { statements } = counting;
    expect(statements.length, statements.join("\n---\n")).toBeLessThanOrEqual(6);
    // BEGIN goes out with the lock and the read of the conversations, COMMIT with the write.
    expect(counting.roundTrips(), statements.join("\n---\n")).toBeLessThanOrEqual(3);
    expect(commitsIn(statements), statements.join("\n---\n")).toBeLessThanOrEqual(2);
  });
});
