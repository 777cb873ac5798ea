import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { loadFlowDirectory } from "../app/flow-directory.ts";
import { Engine } from "../core/engine/engine.ts";
import type { OutboundMessage } from "../core/model/outbound-message.ts";
import type { ChannelSender } from "../core/runtime/channel-sender.ts";
import { ConversationRuntime } from "../core/runtime/conversation-runtime.ts";
import { type OpenedDatabase, openDatabase } from "../core/store-prisma/open-database.ts";
import { PrismaConversationStore } from "../core/store-prisma/prisma-conversation-store.ts";
import { freshDatabase } from "./support/fresh-database.ts";
import { fixtureFlowsDir } from "./support/test-app.ts";

/** A channel that is down until told otherwise, then keeps what it was given. */
class RecordingSender implements ChannelSender {
  readonly channel = "telegram" as const;
  down = true;
  readonly sent: OutboundMessage[] = [];
  async send(_to: unknown, message: OutboundMessage): Promise<void> {
    if (this.down) throw new Error("platform unavailable");
    this.sent.push(message);
  }
}

const silentLogger = { info() {}, warn() {}, error() {} };
const noTimers = { schedule: async () => {}, rearm: async () => {}, cancel: async () => {} };

/**
 * A redeploy moves the app to another folder while messages wait in the outbox: a row names its
 * file by content hash, so the new process sends the file from where it is now.
 */
describe("an outbox row with a file, sent after a redeploy to another folder", () => {
  let database: OpenedDatabase;
  let db: pg.Client;
  const folders = [mkdtempSync(join(tmpdir(), "orkestr-release-1-")), mkdtempSync(join(tmpdir(), "orkestr-release-2-"))];

  beforeAll(async () => {
    const databaseUrl = await freshDatabase(inject("databaseUrl"));
    database = await openDatabase({ databaseUrl, dataDir: "" });
    db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    for (const folder of folders) cpSync(fixtureFlowsDir, folder, { recursive: true });
  });
  afterAll(async () => {
    await db?.end();
    await database?.close();
    for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  });

  const runtimeOn = async (folder: string, sender: ChannelSender) =>
    new ConversationRuntime({
      engine: new Engine(await loadFlowDirectory(folder)),
      store: new PrismaConversationStore(database.prisma),
      scheduler: noTimers,
      senders: [sender],
      logger: silentLogger,
      sendRetryDelaysMs: [0],
    });

  it("keeps no path of the old folder in the row, and the new release sends the file from its own", async () => {
    const [before, after] = folders as [string, string];
    const oldSender = new RecordingSender();
    const old = await runtimeOn(before, oldSender);
    await old.receive("redeploy-1", { channel: "telegram", externalId: "501" }, {}, { type: "start", flowId: "files" });
    expect(oldSender.sent).toEqual([]);
    const { rows } = await db.query(`SELECT payload FROM "OutboxMessage" WHERE payload ? 'file'`);
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows[0].payload)).not.toContain(before);
    expect(rows[0].payload.file).toMatchObject({ name: "guide.pdf", sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });

    // The old folder is gone; the next release picks the waiting row up.
    rmSync(before, { recursive: true, force: true });
    const newSender = new RecordingSender();
    newSender.down = false;
    await (await runtimeOn(after, newSender)).recover("start");
    const file = newSender.sent.find((m) => m.file)?.file;
    expect(file?.path).toBe(join(after, "files", "guide.pdf"));
  });
});
