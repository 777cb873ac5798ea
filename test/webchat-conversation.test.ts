import { createHash, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningOrkestr } from "../app/orkestr-app.ts";
import { postOnOwnConnection } from "./support/post-on-own-connection.ts";
import { startTestAppWithDatabase, type TestAppWithDatabase } from "./support/test-app.ts";
import { WebChatClient } from "./support/web-chat-client.ts";

/** Integration: the real app (Hono, engine, Prisma on PostgreSQL, BullMQ on Redis) via the web chat API. */
describe("web chat against real PostgreSQL and Redis", () => {
  let running: TestAppWithDatabase;
  let app: RunningOrkestr;
  let db: pg.Client;

  beforeAll(async () => {
    running = await startTestAppWithDatabase();
    ({ app, db } = running);
  });
  afterAll(() => running?.stop());

  const eventsOf = async (session: string, type: string) => {
    const { rows } = await db.query(
      `SELECT e.data FROM "Event" e JOIN "ChannelIdentity" i ON i."contactId" = e."contactId"
       WHERE i."externalId" = $1 AND e.type = $2 ORDER BY e.id`,
      [session, type],
    );
    return rows.map((r) => r.data as Record<string, unknown>);
  };

  const followUpsOf = async (session: string) =>
    (
      await db.query(
        `SELECT f.id, f.status, f."stepId" FROM "FollowUp" f JOIN "Conversation" c ON c.id = f."conversationId"
         JOIN "ChannelIdentity" i ON i."contactId" = c."contactId" WHERE i."externalId" = $1 ORDER BY f."dueAt"`,
        [session],
      )
    ).rows as Array<{ id: string; status: string; stepId: string }>;

  it("shows a flow's document as a download and serves only files of loaded flows", async () => {
    const chat = new WebChatClient(app.url);
    await chat.start("files");
    await chat.waitForBotMessages(1);
    const [message] = await chat.history();
    const guide = readFileSync(new URL("./fixtures/flows/files/guide.pdf", import.meta.url));
    expect(message?.file).toMatchObject({ name: "guide.pdf", size: guide.length });
    const download = await fetch(`${app.url}${message?.file?.url}`);
    expect(download.status).toBe(200);
    expect(download.headers.get("content-disposition")).toBe("attachment; filename*=UTF-8''guide.pdf");
    expect(Buffer.from(await download.arrayBuffer())).toEqual(guide);
    expect((await fetch(`${app.url}/api/files/${"0".repeat(64)}/guide.pdf`)).status).toBe(404);
    const traversal = await fetch(`${app.url}/api/files/..%2F..%2Fpackage.json/x`);
    expect(traversal.status).toBe(400);
    expect(await traversal.json()).toMatchObject({ issues: [{ field: "sha256" }] });
  });

  it("serves the flow chart with the step the preview is at, and Mermaid to draw it", async () => {
    const chat = new WebChatClient(app.url);
    await chat.start("reminder");
    await chat.waitForBotMessages(1);
    const { stepId } = (await chat.state()) as { stepId: string };
    const graph = await fetch(`${app.url}/api/flows/reminder/graph?step=${stepId}`);
    expect(graph.status).toBe(200);
    const { mermaid } = (await graph.json()) as { mermaid: string };
    expect(mermaid).toMatch(/^flowchart TD\n/);
    expect(mermaid).toContain('s0 -->|"Continue"| s1');
    expect(mermaid).toContain("class s0 current");
    expect((await fetch(`${app.url}/api/flows/nope/graph`)).status).toBe(404);
    const bundle = await fetch(`${app.url}/vendor/mermaid.min.js`);
    expect(bundle.status).toBe(200);
    expect((await bundle.text()).length).toBeGreaterThan(100_000);
  });

  it("stores consent (version, channel, a hash of the text shown) and its withdrawal", async () => {
    const chat = new WebChatClient(app.url);
    await chat.start("consent");
    expect(await chat.waitForBotMessages(1)).toEqual(["Agree to <b>terms</b>?"]);
    await chat.press("Согласен");
    await chat.waitForBotMessages(2);
    await chat.say("8 916 123 45 67");
    expect((await chat.waitForBotMessages(4)).slice(2)).toEqual(["Thanks", "Marketing follow-up"]);
    const contact = async () =>
      (
        await db.query(
          `SELECT c."consentVersion", c."consentChannel", c.phone FROM "Contact" c JOIN "ChannelIdentity" i ON i."contactId" = c.id WHERE i."externalId" = $1`,
          [chat.session],
        )
      ).rows[0];
    expect(await contact()).toEqual({ consentVersion: "v1", consentChannel: "web", phone: "+79161234567" });
    expect(await eventsOf(chat.session, "consent_given")).toEqual([
      expect.objectContaining({
        version: "v1",
        channel: "web",
        text_sha256: createHash("sha256").update("Agree to <b>terms</b>?").digest("hex"),
      }),
    ]);

    await chat.say("стоп");
    expect((await chat.waitForBotMessages(5))[4]).toMatch(/^Вы отписались от сообщений и отозвали согласие/);
    expect(await contact()).toMatchObject({ consentVersion: null, consentChannel: null });
    expect(await eventsOf(chat.session, "consent_withdrawn")).toHaveLength(1);
  });

  it("runs a whole conversation: buttons, validation, fields, stages, event log", async () => {
    const chat = new WebChatClient(app.url);
    await chat.start("reminder");
    expect(await chat.waitForBotMessages(1)).toEqual(["Hello, guest!"]);
    await chat.press("Continue");
    await chat.waitForBotMessages(2);
    await chat.say("<b>Ann</b>");
    const texts = await chat.waitForBotMessages(3);
    expect(texts[2]).toBe("Thanks, &lt;b&gt;Ann&lt;/b&gt;");

    const history = await chat.history();
    expect(history.map((m) => `${m.direction}:${m.text}`)).toEqual([
      "out:Hello, guest!",
      "in:Continue",
      "out:Your name?",
      "in:<b>Ann</b>",
      "out:Thanks, &lt;b&gt;Ann&lt;/b&gt;",
    ]);
    expect(await chat.state()).toMatchObject({ flowId: "reminder", stepId: "thanks", fields: { first_name: "<b>Ann</b>" } });
    expect((await eventsOf(chat.session, "stage_changed")).map((d) => d.to)).toEqual(["awareness", "evaluation"]);
    expect((await eventsOf(chat.session, "step_entered")).map((d) => d.stepId)).toEqual(["hello", "ask_name", "thanks"]);
    expect(await eventsOf(chat.session, "field_set")).toEqual([{ field: "first_name", value: "<b>Ann</b>" }]);
  });

  it("fires a follow-up after its delay, once, through a real delayed job", async () => {
    const chat = new WebChatClient(app.url);
    await chat.start("reminder");
    const texts = await chat.waitForBotMessages(2);
    expect(texts).toEqual(["Hello, guest!", "Reminder: press Continue"]);
    await new Promise((r) => setTimeout(r, 500));
    expect(await chat.botTexts()).toHaveLength(2);
    expect((await followUpsOf(chat.session)).map((f) => f.status)).toEqual(["fired"]);
  });

  it("fires a follow-up once even when its job runs several times at once", async () => {
    const chat = new WebChatClient(app.url);
    await chat.start("reminder");
    await chat.waitForBotMessages(1);
    const id = (await followUpsOf(chat.session))[0]?.id as string;
    await Promise.all([app.runtime.fireFollowUp(id), app.runtime.fireFollowUp(id), app.runtime.fireFollowUp(id)]);
    await new Promise((r) => setTimeout(r, 2_000)); // the real delayed job runs as well
    expect(await chat.botTexts()).toEqual(["Hello, guest!", "Reminder: press Continue"]);
  });

  it("does not fire a follow-up when the contact moved on", async () => {
    const chat = new WebChatClient(app.url);
    await chat.start("reminder");
    await chat.waitForBotMessages(1);
    await chat.press("Continue");
    await chat.waitForBotMessages(2);
    await new Promise((r) => setTimeout(r, 2_500));
    expect(await chat.botTexts()).toEqual(["Hello, guest!", "Your name?"]);
    expect((await followUpsOf(chat.session)).map(({ status, stepId }) => ({ status, stepId }))).toEqual([
      { status: "cancelled", stepId: "hello" },
    ]);
  });

  it("cancels pending follow-ups in the database on /stop and when the contact switches flows", async () => {
    const statuses = async (session: string) => (await followUpsOf(session)).map((f) => f.status);
    const stopper = new WebChatClient(app.url);
    await stopper.start("reminder");
    await stopper.waitForBotMessages(1);
    await stopper.say("/stop");
    expect((await stopper.waitForBotMessages(2))[1]).toMatch(/отписались/);
    expect(await statuses(stopper.session)).toEqual(["cancelled"]);

    const switcher = new WebChatClient(app.url);
    await switcher.start("reminder");
    await switcher.waitForBotMessages(1);
    await switcher.start("counter");
    await switcher.waitForBotMessages(2);
    expect(await statuses(switcher.session)).toEqual(["cancelled"]);
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await switcher.botTexts()).toHaveLength(2);
  });

  it("sends, in order, what a crash left in the outbox", async () => {
    const chat = new WebChatClient(app.url);
    await chat.start("counter");
    await chat.waitForBotMessages(1);
    const { rows } = await db.query(`SELECT "contactId", "conversationId" FROM "OutboxMessage" WHERE "externalId" = $1`, [chat.session]);
    const { contactId, conversationId } = rows[0];
    const insert = `INSERT INTO "OutboxMessage" ("dedupeKey", "contactId", "conversationId", channel, "externalId", payload, status, "claimedAt")
                    VALUES ($1, $2, $3, 'web', $4, $5, $6, $7)`;
    // One message was being sent when the process died two minutes ago, the next was still queued.
    await db.query(insert, [
      randomUUID(),
      contactId,
      conversationId,
      chat.session,
      { text: "left sending", format: "html" },
      "sending",
      new Date(Date.now() - 120_000),
    ]);
    await db.query(insert, [
      randomUUID(),
      contactId,
      conversationId,
      chat.session,
      { text: "left pending", format: "html" },
      "pending",
      null,
    ]);
    await app.runtime.recover("sweep");
    expect(await chat.botTexts()).toEqual(["Send anything", "left sending", "left pending"]);
    const statuses = await db.query(`SELECT status FROM "OutboxMessage" WHERE "externalId" = $1 ORDER BY id`, [chat.session]);
    expect(statuses.rows.map((r) => r.status)).toEqual(["sent", "sent", "sent"]);
  });

  it("handles a duplicated inbound event once", async () => {
    const chat = new WebChatClient(app.url);
    await chat.start("counter");
    await chat.waitForBotMessages(1);
    const id = randomUUID();
    await Promise.all([chat.say("one", id), chat.say("one", id), chat.say("one", id)]);
    await chat.say("two");
    const texts = await chat.waitForBotMessages(3);
    await new Promise((r) => setTimeout(r, 300));
    expect(await chat.botTexts()).toEqual(texts);
    expect(texts).toHaveLength(3);
    expect((await chat.state()).fields).toMatchObject({ count: "2" });
  });

  it("applies concurrent inbound events of one conversation one at a time", async () => {
    const chat = new WebChatClient(app.url);
    await chat.start("counter");
    await chat.waitForBotMessages(1);
    const messages = Array.from({ length: 20 }, (_, i) => `m${i}`);
    await Promise.all(messages.map((text) => chat.say(text)));
    await chat.waitForBotMessages(21);
    // Each turn saw the state the previous one left: the counter went 1, 2, …, 20 without gaps.
    const counts = (await eventsOf(chat.session, "field_set")).map((d) => d.value);
    expect(counts).toEqual(messages.map((_, i) => String(i + 1)));
    const inbound = (await eventsOf(chat.session, "message_in")).map((d) => d.text).filter(Boolean);
    expect([...inbound].sort()).toEqual([...messages].sort());
  });

  it("rejects bad requests with a clear error and answers /health", async () => {
    const chat = new WebChatClient(app.url);
    const unknown = await chat.request("start", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ flowId: "nope" }),
    });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: 'Unknown flow "nope"' });
    // Refused by its size before anything else, session or not. The server hangs up after such
    // an answer, so it goes on a connection of its own (a kept-alive one would fail the next request).
    const huge = await postOnOwnConnection(`${app.url}/api/chat/messages`, "x".repeat(100_000));
    expect(huge.status).toBe(413);
    const health = await fetch(`${app.url}/health`);
    expect(await health.json()).toMatchObject({ status: "ok", database: "ok", redis: "ok" });
  });

  it("refuses a bad body, param or query with 400 naming the field, and stores nothing", async () => {
    const chat = new WebChatClient(app.url);
    await chat.start("counter");
    await chat.waitForBotMessages(1);
    const eventCount = async () =>
      (
        await db.query(
          `SELECT count(*)::int AS n FROM "Event" e JOIN "ChannelIdentity" i ON i."contactId" = e."contactId" WHERE i."externalId" = $1`,
          [chat.session],
        )
      ).rows[0].n as number;
    const [historyBefore, eventsBefore] = [await chat.history(), await eventCount()];
    const post = async (path: string, body: string, contentType = "application/json") => {
      const response = await chat.request(path, {
        method: "POST",
        headers: { "content-type": contentType },
        body,
      });
      return { status: response.status, body: (await response.json()) as { error: string; issues?: unknown } };
    };
    const refusal = (field: string, message: RegExp) => ({
      status: 400,
      body: { error: expect.stringContaining(`${field}: `), issues: [{ field, message: expect.stringMatching(message) }] },
    });

    const clientMessageId = "m1";
    expect(await post("messages", JSON.stringify({ text: 42, clientMessageId }))).toMatchObject(refusal("text", /expected string/));
    expect(await post("messages", JSON.stringify({ clientMessageId }))).toMatchObject(
      refusal("text", /expected string, received undefined/),
    );
    expect(await post("messages", JSON.stringify({ text: "x".repeat(4097), clientMessageId }))).toMatchObject(
      refusal("text", /<=4096 characters/),
    );
    expect(await post("messages", "[]")).toMatchObject(refusal("body", /expected object/));
    expect(await post("buttons", JSON.stringify({ label: "Go", clientMessageId }))).toMatchObject(refusal("payload", /expected string/));
    expect(await post("start", JSON.stringify({ flowId: 7 }))).toMatchObject(refusal("flowId", /expected string/));
    expect(await post("messages", "{ not json")).toEqual({ status: 400, body: { error: "Malformed JSON in request body" } });
    // A JSON body sent as text is not read as JSON: the header is named, not the fields.
    expect(await post("messages", JSON.stringify({ text: "hi", clientMessageId }), "text/plain")).toMatchObject({
      status: 415,
      body: { error: expect.stringContaining("application/json") },
    });

    const graph = await fetch(`${app.url}/api/flows/counter/graph?step=${encodeURIComponent("<script>")}`);
    expect(graph.status).toBe(400);
    expect(await graph.json()).toMatchObject({ issues: [{ field: "step" }] });

    expect(await chat.history()).toEqual(historyBefore);
    expect(await eventCount()).toBe(eventsBefore);
  });

  it("pushes bot messages live over Server-Sent Events", async () => {
    const chat = new WebChatClient(app.url);
    const controller = new AbortController();
    const stream = await chat.request("stream", { signal: controller.signal });
    const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
    await chat.start("reminder");
    let received = "";
    while (!received.includes("Hello, guest!")) {
      const { value, done } = await reader.read();
      if (done) break;
      received += new TextDecoder().decode(value);
    }
    controller.abort();
    expect(received).toMatch(/event: message\ndata: \{.*"direction":"out".*"text":"Hello, guest!"/);
  });
});
