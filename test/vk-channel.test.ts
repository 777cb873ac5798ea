import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { webhookBodyLimitBytes } from "../app/orkestr-app.ts";
import { VkChannel } from "../bots/vk/vk-channel.ts";
import { FakeVkApi } from "./fakes/fake-vk-api.ts";
import { withDatabaseAway } from "./support/database-outage.ts";
import { postOnOwnConnection } from "./support/post-on-own-connection.ts";
import { startTestAppWithDatabase, type TestAppWithDatabase } from "./support/test-app.ts";
import { loadVkSpec, vkCallProblems } from "./support/vk-spec.ts";

const guide = readFileSync(new URL("./fixtures/flows/files/guide.pdf", import.meta.url));
const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

/** The real vk-io in the app, on Bots Long Poll against a local fake VK API; PostgreSQL and Redis are real. */
describe("VK channel (vk-io against a fake VK API)", () => {
  const api = new FakeVkApi(777);
  let running: TestAppWithDatabase;

  beforeAll(async () => {
    await api.start();
    running = await startTestAppWithDatabase({
      VK_GROUP_TOKEN: "vk1.a.test-token",
      VK_GROUP_ID: "777",
      VK_API_BASE_URL: `${api.url}/method`,
    });
  });
  afterAll(async () => {
    await running?.stop();
    await api.stop();
  });

  it("keeps a message taken by Long Poll while the database is away, and answers it once it is back", async () => {
    await withDatabaseAway(
      running.config,
      async () => {
        api.pushMessage(509, "Привет");
        await new Promise((r) => setTimeout(r, 2_000));
        expect(api.sent(509)).toEqual([]);
      },
      running.db,
    );
    expect((await api.waitForSent(509, 1))[0]?.text).toBe("Hello, guest!");
  });

  it("runs a flow: a first message, a keyboard press, a typed answer and a follow-up, in plain text", async () => {
    api.pushMessage(501, "Привет");
    const hello = (await api.waitForSent(501, 1))[0] as { text: string; keyboard: Record<string, unknown> };
    expect(hello.text).toBe("Hello, guest!");
    const button = (hello.keyboard.buttons as Array<Array<{ action: { label: string; payload: string } }>>)[0]?.[0];
    expect(hello.keyboard.inline).toBe(true);
    expect(button?.action.label).toBe("Continue");

    api.pushMessage(501, "Continue", { payload: button?.action.payload as string });
    expect((await api.waitForSent(501, 2))[1]?.text).toBe("Your name?");
    api.pushMessage(501, "<i>Bob</i> & co");
    expect((await api.waitForSent(501, 3))[2]?.text).toBe("Thanks, <i>Bob</i> & co");
    expect((await api.waitForSent(501, 4))[3]?.text).toBe("Follow-up for <i>Bob</i> & co");
    const randomIds = api.sent(501).map((m) => m.params.random_id);
    expect(new Set(randomIds).size).toBe(4);
  });

  it("enters the flow named by a vk.me ref", async () => {
    api.pushMessage(502, "Начать", { ref: "counter" });
    expect((await api.waitForSent(502, 1))[0]?.text).toBe("Send anything");
  });

  it("handles a redelivered message once", async () => {
    const id = api.pushMessage(503, "Привет");
    await api.waitForSent(503, 1);
    api.pushMessage(503, "Привет", { id });
    api.pushMessage(503, "/start");
    await api.waitForSent(503, 2);
    await new Promise((r) => setTimeout(r, 300));
    expect(api.sent(503)).toHaveLength(2);
  });

  it("uploads a document once and attaches it by reference afterwards", async () => {
    api.pushMessage(511, "Начать", { ref: "files" });
    const [first] = await api.waitForSent(511, 1);
    expect(first?.text).toBe("Your guide, friend");
    expect(api.attachments(511)).toEqual([
      { attachment: "doc-777_1", document: expect.objectContaining({ title: "guide.pdf", size: guide.length, sha256: sha256(guide) }) },
    ]);
    expect(first?.keyboard?.buttons).toBeDefined();
    expect(api.uploadCount).toBe(1);

    // Another user gets the same document without a second upload.
    api.pushMessage(512, "Начать", { ref: "files" });
    await api.waitForSent(512, 1);
    expect(api.attachments(512).map((a) => a.attachment)).toEqual(["doc-777_1"]);
    expect(api.uploadCount).toBe(1);
    const { rows } = await running.db.query(`SELECT "remoteId" FROM "UploadedFile" WHERE channel = 'vk'`);
    expect(rows).toEqual([{ remoteId: "doc-777_1" }]);

    // A document VK no longer accepts is uploaded again; the message still goes out once.
    api.expireDocuments();
    api.pushMessage(513, "Начать", { ref: "files" });
    await api.waitForSent(513, 1);
    expect(api.attachments(513).map((a) => a.attachment)).toEqual(["doc-777_2"]);
    expect(api.uploadCount).toBe(2);
    expect(api.sent(513)).toHaveLength(1);
  });

  it("lets vk-io call the API as often as a community token may (20 requests/s), not a user token's 3", () => {
    const noFiles = { get: async () => undefined, put: async () => {}, forget: async () => {} };
    const channel = new VkChannel({ token: "vk1.a.test-token", groupId: 777, files: noFiles, logger: pino({ level: "silent" }) });
    expect(channel.vk.api.options.apiLimit).toBe(20);
  });

  it("retries errors 6 and 9 and delivers the message once", async () => {
    api.failNext(506, [6, 9]);
    api.pushMessage(506, "Привет");
    expect((await api.waitForSent(506, 1)).map((m) => m.text)).toEqual(["Hello, guest!"]);
    const attempts = api.calls.filter((c) => c.method === "messages.send" && c.params.peer_id === "506");
    expect(attempts.map((c) => c.error)).toEqual([6, 9, undefined]);
    expect(new Set(attempts.map((c) => c.params.random_id)).size).toBe(1);
  });

  it("stops messaging a user who denied messages (901, message_deny)", async () => {
    api.pushMessage(504, "Привет");
    await api.waitForSent(504, 1);
    api.deny(504);
    await new Promise((r) => setTimeout(r, 2_500)); // the 1.5 s reminder is refused with 901
    expect(api.calls.filter((c) => c.method === "messages.send" && c.params.peer_id === "504").map((c) => c.error)).toEqual([
      undefined,
      901,
    ]);
    const blocked = (peer: string) => running.isBlocked("vk", peer);
    expect(await blocked("504")).toBe(true);

    api.pushMessage(505, "Привет");
    await api.waitForSent(505, 1);
    api.pushEvent("message_deny", { user_id: 505 });
    await new Promise((r) => setTimeout(r, 2_500));
    expect(api.sent(505)).toHaveLength(1);
    expect(await blocked("505")).toBe(true);
  });

  it("sent only requests that match the VK API spec in ../shared/specs", (context) => {
    const spec = loadVkSpec();
    if (!spec) {
      console.warn("../shared/specs/vk is absent: contract check skipped");
      context.skip();
      return;
    }
    expect(api.calls.filter((c) => c.method === "messages.send").length).toBeGreaterThan(5);
    // ../shared/specs has the messages and groups sections only; document uploads are the one
    // other thing the channel calls, and a new unchecked method makes this test fail.
    const [checked, unchecked] = [
      api.calls.filter((c) => !c.method.startsWith("docs.")),
      api.calls.filter((c) => c.method.startsWith("docs.")),
    ];
    expect(new Set(unchecked.map((c) => c.method))).toEqual(new Set(["docs.getMessagesUploadServer", "docs.save"]));
    expect(checked.flatMap((c) => vkCallProblems(spec, c.method, c.params))).toEqual([]);
    expect(vkCallProblems(spec, "messages.send", { peer_id: "x", text: "typo" })).toEqual([
      'messages.send.peer_id: "x" is not an integer',
      "messages.send: unknown parameter text",
    ]);
  });
});

describe("VK Callback API", () => {
  const api = new FakeVkApi(778);
  let running: TestAppWithDatabase;
  /** What the app logged at warn and above, as pino's JSON lines. */
  const logged: Array<Record<string, unknown>> = [];
  const postRaw = (body: string) =>
    fetch(`${running.app.url}/vk/callback`, { method: "POST", headers: { "content-type": "application/json" }, body });
  const post = (body: Record<string, unknown>) => postRaw(JSON.stringify(body));
  const messageNew = (id: number, peer: number, text: string, secret = "cb-secret") => ({
    type: "message_new",
    group_id: 778,
    event_id: `ev${id}`,
    v: "5.199",
    secret,
    object: {
      message: { id, date: 0, peer_id: peer, from_id: peer, text, out: 0 },
      client_info: { keyboard: true, inline_keyboard: true },
    },
  });

  beforeAll(async () => {
    await api.start();
    running = await startTestAppWithDatabase(
      {
        VK_GROUP_TOKEN: "vk1.a.test-token",
        VK_GROUP_ID: "778",
        VK_API_BASE_URL: `${api.url}/method`,
        VK_CONFIRMATION_CODE: "conf-123",
        VK_CALLBACK_SECRET: "cb-secret",
      },
      pino({ level: "warn" }, { write: (line: string) => logged.push(JSON.parse(line)) }),
    );
  });
  afterAll(async () => {
    await running?.stop();
    await api.stop();
  });

  it("answers the confirmation, handles an event before answering ok, and ignores its redelivery", async () => {
    const confirmation = await post({ type: "confirmation", group_id: 778, secret: "cb-secret" });
    expect(await confirmation.text()).toBe("conf-123");
    const first = await post(messageNew(1, 601, "Привет"));
    expect(await first.text()).toBe("ok");
    // "ok" came after the turn was stored, so the reply is already on its way.
    expect((await api.waitForSent(601, 1))[0]?.text).toBe("Hello, guest!");
    expect(await (await post(messageNew(1, 601, "Привет"))).text()).toBe("ok");
    await new Promise((r) => setTimeout(r, 300));
    expect(api.sent(601)).toHaveLength(1);
  });

  it("answers each message that comes without the optional client_info, as from its own sender", async () => {
    const withoutClientInfo = (id: number, peer: number) => {
      const event = messageNew(id, peer, "Привет");
      return { ...event, object: { message: event.object.message } };
    };
    expect(await (await post(withoutClientInfo(30, 630))).text()).toBe("ok");
    expect(await (await post(withoutClientInfo(31, 631))).text()).toBe("ok");
    expect((await api.waitForSent(630, 1))[0]?.text).toBe("Hello, guest!");
    expect((await api.waitForSent(631, 1))[0]?.text).toBe("Hello, guest!");
  });

  it("answers an event it failed to handle (the database away) so that VK delivers it again, and handles the redelivery", async () => {
    await withDatabaseAway(
      running.config,
      async () => {
        expect((await post(messageNew(5, 605, "Привет"))).status).toBe(500);
        expect(logged.some((line) => line.msg === "vk update failed")).toBe(true);
      },
      running.db,
    );
    const redelivered = await post(messageNew(5, 605, "Привет"));
    expect(await redelivered.text()).toBe("ok");
    expect((await api.waitForSent(605, 1))[0]?.text).toBe("Hello, guest!");
  });

  it("refuses a body over 1 MiB with 413 before reading it, even with the right secret", async () => {
    const response = await postOnOwnConnection(
      `${running.app.url}/vk/callback`,
      JSON.stringify(messageNew(4, 604, "x".repeat(webhookBodyLimitBytes))),
    );
    expect(response.status).toBe(413);
    await new Promise((r) => setTimeout(r, 300));
    expect(api.sent(604)).toEqual([]);
  });

  it("refuses events with a wrong secret or another community, and processes nothing", async () => {
    expect((await post(messageNew(2, 602, "Привет", "guess"))).status).toBe(403);
    expect((await post({ ...messageNew(3, 602, "Привет"), group_id: 1 })).status).toBe(403);
    await new Promise((r) => setTimeout(r, 300));
    expect(api.sent(602)).toEqual([]);
  });

  it("answers ok to events it can never handle, logs them without secret or text, and processes nothing", async () => {
    const skipped = () => logged.filter((line) => String(line.msg).startsWith("vk callback skipped"));
    const badMessage = messageNew(11, 611, "secret text two");
    const answers = [
      await postRaw('{"type":"message_new","group_id":778,"secret":"cb-secret","object":{"message":{"text":"secret text one"'),
      // JSON.stringify leaves out a field set to undefined.
      await post({ ...messageNew(10, 610, "secret text three"), type: undefined }),
      await post({ ...messageNew(13, 613, "secret text four"), event_id: 13 }),
      await post({ ...messageNew(14, 614, "secret text five"), object: "secret text five" }),
      await post({ ...badMessage, object: { ...badMessage.object, message: { ...badMessage.object.message, peer_id: "611" } } }),
      await post({ type: "message_deny", group_id: 778, event_id: "ev12", v: "5.199", secret: "cb-secret", object: {} }),
      await post({ ...badMessage, object: { ...badMessage.object, message: { ...badMessage.object.message, payload: "{oops" } } }),
      await post({ ...badMessage, object: { ...badMessage.object, message: { ...badMessage.object.message, out: "no" } } }),
    ];
    expect(await Promise.all(answers.map(async (r) => `${r.status} ${await r.text()}`))).toEqual(Array(8).fill("200 ok"));

    const problem = (path: string) => [expect.stringMatching(new RegExp(`^${path}: Invalid input`))];
    expect(skipped().map(({ level, type, eventId, problems }) => ({ level, type, eventId, problems }))).toEqual([
      { level: 40, type: undefined, eventId: undefined, problems: undefined },
      { level: 40, type: undefined, eventId: "ev10", problems: problem("type") },
      { level: 40, type: "message_new", eventId: undefined, problems: problem("event_id") },
      { level: 40, type: "message_new", eventId: "ev14", problems: problem("object") },
      { level: 40, type: "message_new", eventId: "ev11", problems: problem("object.message.peer_id") },
      { level: 40, type: "message_deny", eventId: "ev12", problems: problem("object.user_id") },
      { level: 40, type: "message_new", eventId: "ev11", problems: problem("object.message.payload") },
      { level: 40, type: "message_new", eventId: "ev11", problems: problem("object.message.out") },
    ]);
    const log = JSON.stringify(logged);
    expect(log).not.toContain("cb-secret");
    expect(log).not.toContain("secret text");

    await new Promise((r) => setTimeout(r, 300));
    for (const peer of [610, 611, 613, 614]) expect(api.sent(peer)).toEqual([]);
    const { rows } = await running.db.query(`SELECT "externalId" FROM "ChannelIdentity" WHERE channel = 'vk'`);
    expect(rows.map((r) => r.externalId)).not.toContainEqual(expect.stringMatching(/^61\d$|undefined/));
    // Each is kept for a person to look at, without the callback secret.
    const rejected = await running.db.query(`SELECT key, reason, body FROM "RejectedInbound" WHERE channel = 'vk' ORDER BY id`);
    expect(rejected.rows).toHaveLength(8);
    expect(rejected.rows.map((r) => r.key)).toEqual([null, "ev10", null, "ev14", "ev11", "ev12", "ev11", "ev11"]);
    expect(rejected.rows[4].reason).toMatch(/^object\.message\.peer_id: /);
    expect(JSON.stringify(rejected.rows)).not.toContain("cb-secret");
  });

  it("keeps a message whose attachments, forwards or replied-to message vk-io cannot read, instead of failing with 500", async () => {
    const broken = (id: number, fields: Record<string, unknown>) => {
      const event = messageNew(id, 640 + id, "secret text six");
      return { ...event, event_id: `broken${id}`, object: { ...event.object, message: { ...event.object.message, ...fields } } };
    };
    const answers = [
      await post(broken(1, { attachments: 42 })),
      await post(broken(2, { attachments: [null] })),
      await post(broken(3, { fwd_messages: "none" })),
      await post(broken(4, { fwd_messages: [{ id: 0, text: "quoted", payload: "{oops" }] })),
      await post(broken(5, { reply_message: { id: 0, text: 7 } })),
    ];
    expect(await Promise.all(answers.map(async (r) => `${r.status} ${await r.text()}`))).toEqual(Array(5).fill("200 ok"));
    const { rows } = await running.db.query(`SELECT key, reason FROM "RejectedInbound" WHERE key LIKE 'broken%' ORDER BY key`);
    expect(rows.map((r) => [r.key, r.reason.split(":")[0]])).toEqual([
      ["broken1", "object.message.attachments"],
      ["broken2", "object.message.attachments.0"],
      ["broken3", "object.message.fwd_messages"],
      ["broken4", "object.message.fwd_messages.0.payload"],
      ["broken5", "object.message.reply_message.text"],
    ]);
    await new Promise((r) => setTimeout(r, 300));
    for (const peer of [641, 642, 643, 644, 645]) expect(api.sent(peer)).toEqual([]);
  });

  it("refuses an invalid event with a wrong or missing secret (403) before looking at what is wrong with it", async () => {
    const before = logged.length;
    expect((await post({ ...messageNew(20, 620, "Привет", "guess"), type: undefined })).status).toBe(403);
    expect((await post({ type: "message_new", group_id: 778, object: [] })).status).toBe(403);
    expect(logged.slice(before)).toEqual([]);
  });
});
