import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { orkestr } from "./support/orkestr-cli.ts";
import { fixtureFlowsDir, startTestApp, startTestAppWithDatabase, type TestAppWithDatabase } from "./support/test-app.ts";
import { waitFor } from "./support/wait-for.ts";
import { WebChatClient } from "./support/web-chat-client.ts";

/**
 * Editing a flow while the app runs (FLOWS_WATCH): conversations in progress finish on their
 * version, new ones get the new one, versions are recorded, listed and rolled back by the CLI.
 */
describe("flow versions in a running app", () => {
  const flowsDir = mkdtempSync(join(tmpdir(), "orkestr-flows-"));
  const flowFile = join(flowsDir, "reminder.yaml");
  let running: TestAppWithDatabase;
  let original: string;

  beforeAll(async () => {
    cpSync(fixtureFlowsDir, flowsDir, { recursive: true });
    original = readFileSync(flowFile, "utf8");
    running = await startTestAppWithDatabase({ FLOWS_DIR: flowsDir, FLOWS_WATCH: "true" });
  });
  afterAll(() => running?.stop());

  const versions = async () =>
    (await running.db.query(`SELECT version FROM "FlowVersion" WHERE "flowId" = 'reminder' ORDER BY "createdAt"`)).rows.map(
      (r) => r.version as string,
    );
  const currentVersion = async () =>
    ((await (await fetch(`${running.app.url}/api/flows`)).json()) as { flows: Array<{ id: string; version: string }> }).flows.find(
      (f) => f.id === "reminder",
    )?.version;
  const untilVersion = (wanted: (version: string | undefined) => boolean) => waitFor(currentVersion, wanted, "the flows to reload");
  const startAtQuestion = async () => {
    const chat = new WebChatClient(running.app.url);
    await chat.start("reminder");
    await chat.waitForBotMessages(1);
    await chat.press("Continue");
    return chat;
  };

  it("keeps running conversations on their version, starts new ones on the edited one, and rolls back", async () => {
    const first = await currentVersion();
    const before = await startAtQuestion();
    expect(await before.waitForBotMessages(2)).toEqual(["Hello, guest!", "Your name?"]);

    writeFileSync(flowFile, original.replace('"Your name?"', '"What is your name?"').replace('"Thanks, ', '"Many thanks, '));
    const second = await untilVersion((v) => v !== first);
    expect(await versions()).toEqual([first, second]);

    await before.say("Ann");
    expect((await before.waitForBotMessages(3))[2]).toBe("Thanks, Ann");
    const after = await startAtQuestion();
    expect((await after.waitForBotMessages(2))[1]).toBe("What is your name?");

    // A broken edit is reported and changes nothing.
    writeFileSync(flowFile, original.replace("ask:", "akс:"));
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await currentVersion()).toBe(second);
    const meanwhile = await startAtQuestion();
    expect((await meanwhile.waitForBotMessages(2))[1]).toBe("What is your name?");

    const env = { DATABASE_URL: running.config.DATABASE_URL as string };
    const listed = await orkestr(["versions", "reminder", "--flows", flowsDir], { env });
    expect(listed.stderr).toBe("");
    expect(listed.code).toBe(0);
    const lines = listed.stdout.split("\n");
    expect(lines.find((l) => l.includes(second as string))).toMatch(/changed ask_name, thanks\s+· active conversations: 2$/);
    expect(lines.find((l) => l.includes(first as string))).toMatch(/first version\s+· active conversations: 1$/);

    const restored = await orkestr(["versions", "reminder", "--flows", flowsDir, "--rollback", (first as string).slice(0, 6)], { env });
    expect(restored.code).toBe(0);
    expect(readFileSync(flowFile, "utf8")).toBe(original);
    await untilVersion((v) => v === first);
    expect(await versions()).toEqual([first, second]);
    const again = await startAtQuestion();
    expect((await again.waitForBotMessages(2))[1]).toBe("Your name?");

    // After a restart the conversation begun on the edited version still finishes on it.
    await running.app.stop();
    const restarted = await startTestApp(running.config);
    try {
      // Same person, same cookie: the session secret kept in DATA_DIR outlives the process.
      const resumed = after.at(restarted.url);
      await resumed.say("Bob");
      expect((await resumed.waitForBotMessages(3))[2]).toBe("Many thanks, Bob");
    } finally {
      await restarted.stop();
    }
  });
});
