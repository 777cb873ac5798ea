import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { orkestr } from "./support/orkestr-cli.ts";
import { startTestAppWithDatabase, type TestAppWithDatabase } from "./support/test-app.ts";
import { WebChatClient } from "./support/web-chat-client.ts";

/** Promo-code magnets on real PostgreSQL: codes loaded by the CLI, issued once each under concurrency. */
describe("promo codes", () => {
  let running: TestAppWithDatabase;
  let env: Record<string, string>;

  beforeAll(async () => {
    running = await startTestAppWithDatabase();
    env = { DATABASE_URL: running.config.DATABASE_URL as string };
  });
  afterAll(() => running?.stop());

  it("imports codes with the CLI, skipping a header, duplicates and codes already there", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "orkestr-codes-")), "codes.csv");
    const codes = Array.from({ length: 15 }, (_, i) => `SPRING-${String(i + 1).padStart(3, "0")}`);
    writeFileSync(file, ["code,comment", ...codes.map((c) => `${c},batch 1`), "SPRING-001,again"].join("\n"));
    const first = await orkestr(["promo", "import", "spring10", file], { env });
    expect(first.stderr).toBe("");
    expect(first.stdout).toContain("spring10: 15 new code(s) imported, 0 already there");
    expect(first.stdout).toContain("spring10: 15 codes, 0 issued, 15 left");
    expect((await orkestr(["promo", "import", "spring10", file], { env })).stdout).toContain("0 new code(s) imported, 15 already there");
  });

  it("gives 20 contacts arriving at once 15 different codes and 5 the fallback; asking again gives the same code", async () => {
    const chats = Array.from({ length: 20 }, () => new WebChatClient(running.app.url));
    await Promise.all(chats.map((chat) => chat.start("promo")));
    const answers = await Promise.all(chats.map(async (chat) => (await chat.waitForBotMessages(2))[0] as string));
    const codes = answers.filter((a) => a.startsWith("Your code: ")).map((a) => a.slice("Your code: ".length));
    expect(codes).toHaveLength(15);
    expect(new Set(codes).size).toBe(15);
    expect(answers.filter((a) => a === "No codes left")).toHaveLength(5);

    const { rows } = await running.db.query(`SELECT count(DISTINCT "contactId")::int AS n FROM "PromoCode" WHERE "contactId" IS NOT NULL`);
    expect(rows[0].n).toBe(15);
    const exhausted = await running.db.query(`SELECT count(*)::int AS n FROM "Event" WHERE type = 'promo_pool_exhausted'`);
    expect(exhausted.rows[0].n).toBe(5);

    const lucky = chats[answers.findIndex((a) => a.startsWith("Your code: "))] as WebChatClient;
    await lucky.press("Again");
    const again = await lucky.waitForBotMessages(4);
    expect(again[2]).toBe(again[0]);

    const status = await orkestr(["promo", "status"], { env });
    expect(status.stdout.trim()).toBe("spring10: 15 codes, 15 issued, 0 left");
  });
});
