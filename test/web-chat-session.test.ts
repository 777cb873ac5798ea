import { randomBytes } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { generateSignedCookie } from "hono/cookie";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, startTestAppWithDatabase, type TestAppWithDatabase } from "./support/test-app.ts";
import { WebChatClient } from "./support/web-chat-client.ts";

const chatRoutes = [
  { method: "POST", path: "start", body: { flowId: "counter" } },
  { method: "POST", path: "messages", body: { text: "hi", clientMessageId: "m1" } },
  { method: "POST", path: "buttons", body: { payload: "x", clientMessageId: "m2" } },
  { method: "GET", path: "history" },
  { method: "GET", path: "state" },
  { method: "GET", path: "stream" },
] as const;

const noSession = { error: "No web chat session: POST /api/chat/session first" };

/** The `name=value` of a Set-Cookie header, as a browser sends it back. */
const cookiePair = (setCookie: string) => setCookie.split(";")[0] as string;

/** The web chat's session lives in a signed httpOnly cookie: the session id alone opens nothing. */
describe("web chat session cookie", () => {
  const secret = randomBytes(32).toString("base64url");
  let running: TestAppWithDatabase;
  let url: string;

  beforeAll(async () => {
    running = await startTestAppWithDatabase({ WEBCHAT_SESSION_SECRET: secret });
    url = running.app.url;
  });
  afterAll(() => running?.stop());

  /** Rows that any processed inbound leaves behind, in the whole database. */
  const processedRows = async () =>
    (
      await running.db.query(
        `SELECT (SELECT count(*) FROM "InboundReceipt")::int AS receipts, (SELECT count(*) FROM "ChannelIdentity")::int AS identities,
                (SELECT count(*) FROM "Event")::int AS events`,
      )
    ).rows[0];

  /** Every chat route with this Cookie header (none when undefined); a POST body that is not even JSON. */
  const callEveryRoute = (cookie: string | undefined, body: (route: (typeof chatRoutes)[number]) => string) =>
    Promise.all(
      chatRoutes.map(async (route) => {
        const response = await fetch(`${url}/api/chat/${route.path}`, {
          method: route.method,
          headers: { "content-type": "application/json", ...(cookie ? { cookie } : {}) },
          ...(route.method === "POST" ? { body: body(route) } : {}),
        });
        return { path: route.path, status: response.status, body: await response.json() };
      }),
    );
  const refusedEverywhere = chatRoutes.map((route) => ({ path: route.path, status: 401, body: noSession }));

  it("refuses every chat route without the cookie with 401, before reading the body, and processes nothing", async () => {
    const before = await processedRows();
    expect(await callEveryRoute(undefined, (route) => JSON.stringify("body" in route ? route.body : {}))).toEqual(refusedEverywhere);
    // A broken body would be 400 or 415 with a session: the session is checked first.
    expect(await callEveryRoute(undefined, () => "{ not json")).toEqual(refusedEverywhere);
    expect(await processedRows()).toEqual(before);
  });

  it("issues a server-chosen session in an HttpOnly, SameSite=Strict cookie for /api/chat, Secure behind https", async () => {
    const response = await fetch(`${url}/api/chat/session`, { method: "POST" });
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const { session } = (await response.json()) as { session: string };
    expect(session).toMatch(/^[A-Za-z0-9_-]{8,64}$/);
    const [setCookie, ...others] = response.headers.getSetCookie();
    expect(others).toEqual([]);
    const [pair, ...attributes] = (setCookie as string).split("; ");
    expect(decodeURIComponent((pair as string).replace(/^orkestr_chat=/, ""))).toMatch(new RegExp(`^${session}\\.[A-Za-z0-9+/]{43}=$`));
    expect(attributes.sort()).toEqual(["HttpOnly", `Max-Age=${30 * 24 * 60 * 60}`, "Path=/api/chat", "SameSite=Strict"]);

    const proxied = await fetch(`${url}/api/chat/session`, { method: "POST", headers: { "x-forwarded-proto": "https" } });
    expect(proxied.headers.getSetCookie()[0]?.split("; ")).toContain("Secure");

    // Every page gets its own session: two requests without a cookie are two people.
    const another = (await (await fetch(`${url}/api/chat/session`, { method: "POST" })).json()) as { session: string };
    expect(another.session).not.toBe(session);
  });

  it("answers the same session to a request with a valid cookie, and keeps two people apart", async () => {
    const ann = await new WebChatClient(url).open();
    await ann.start("counter");
    expect(await ann.waitForBotMessages(1)).toEqual(["Send anything"]);

    const reload = await fetch(`${url}/api/chat/session`, { method: "POST", headers: { cookie: ann.cookie } });
    expect(await reload.json()).toEqual({ session: ann.session });
    // Set again, so the 30 days count from this visit.
    expect(cookiePair(reload.headers.getSetCookie()[0] as string)).toBe(ann.cookie);

    const bob = new WebChatClient(url);
    expect(await bob.history()).toEqual([]);
    expect(bob.session).not.toBe(ann.session);
    expect(await ann.botTexts()).toEqual(["Send anything"]);
  });

  it("gives someone who saw a session id no access to its history, state or conversation", async () => {
    const victim = new WebChatClient(url);
    await victim.start("counter");
    await victim.say("my secret answer");
    await victim.waitForBotMessages(2);
    const historyBefore = await victim.history();
    const rowsBefore = await processedRows();

    // The old URLs are gone, and the id in a query or as a bare cookie names nothing.
    expect((await fetch(`${url}/api/chat/${victim.session}/history`)).status).toBe(404);
    expect((await fetch(`${url}/api/chat/${victim.session}/state`)).status).toBe(404);
    for (const path of ["history", "state"]) {
      const byQuery = await fetch(`${url}/api/chat/${path}?session=${victim.session}`);
      expect({ status: byQuery.status, body: await byQuery.json() }).toEqual({ status: 401, body: noSession });
    }
    const bareCookie = `orkestr_chat=${victim.session}`;
    expect(await callEveryRoute(bareCookie, (route) => JSON.stringify("body" in route ? route.body : {}))).toEqual(refusedEverywhere);
    // Asking for a session with it gets a new one, not the victim's.
    const claimed = (await (await fetch(`${url}/api/chat/session`, { method: "POST", headers: { cookie: bareCookie } })).json()) as {
      session: string;
    };
    expect(claimed.session).not.toBe(victim.session);

    expect(await victim.history()).toEqual(historyBefore);
    expect(await processedRows()).toEqual(rowsBefore);
  });

  it("refuses a cookie whose signature is wrong or that another secret signed", async () => {
    const victim = new WebChatClient(url);
    await victim.start("counter");
    await victim.waitForBotMessages(1);
    const attacker = await new WebChatClient(url).open();
    const rowsBefore = await processedRows();
    const signed = (client: WebChatClient) => decodeURIComponent(client.cookie.slice("orkestr_chat=".length));
    const signatureOf = (client: WebChatClient) => signed(client).slice(signed(client).lastIndexOf(".") + 1);
    const withValue = (value: string) => `orkestr_chat=${encodeURIComponent(value)}`;

    const forged = {
      // The victim's id with the attacker's own (valid, but not for this id) signature.
      swappedSignature: withValue(`${victim.session}.${signatureOf(attacker)}`),
      // One character of the victim's own signature changed.
      alteredSignature: withValue(`${victim.session}.${signatureOf(victim).replace(/^./, (c) => (c === "A" ? "B" : "A"))}`),
      otherSecret: cookiePair(await generateSignedCookie("orkestr_chat", victim.session, randomBytes(32).toString("base64url"))),
    };
    for (const cookie of Object.values(forged)) {
      expect(await callEveryRoute(cookie, (route) => JSON.stringify("body" in route ? route.body : {}))).toEqual(refusedEverywhere);
    }
    expect(await processedRows()).toEqual(rowsBefore);

    // The same signing with the app's own secret is accepted: the refusals above are the signature's.
    const genuine = cookiePair(await generateSignedCookie("orkestr_chat", victim.session, secret));
    const history = await fetch(`${url}/api/chat/history`, { headers: { cookie: genuine } });
    expect(history.status).toBe(200);
    expect(await history.json()).toEqual({ messages: await victim.history() });
  });
});

describe("web chat session secret without WEBCHAT_SESSION_SECRET", () => {
  it("is made once in DATA_DIR (mode 0600) and reused after a restart, so sessions survive it", async () => {
    const logged: string[] = [];
    const logger = pino({ level: "info" }, { write: (line: string) => void logged.push(line) });
    const generated = () => logged.filter((line) => line.includes("web chat session secret generated"));

    const first = await startTestAppWithDatabase({ LOG_LEVEL: "info" }, logger);
    const file = join(first.config.DATA_DIR, "webchat-session-secret");
    let chat: WebChatClient;
    try {
      chat = new WebChatClient(first.app.url);
      await chat.start("counter");
      await chat.waitForBotMessages(1);
    } finally {
      await first.stop();
    }
    expect(generated()).toHaveLength(1);
    expect(JSON.parse(generated()[0] as string)).toMatchObject({ level: 30, file });
    expect(generated()[0]).toContain("WEBCHAT_SESSION_SECRET");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const kept = readFileSync(file, "utf8");
    expect(kept.trim().length).toBeGreaterThanOrEqual(32);

    const restarted = await startTestApp(first.config, logger);
    try {
      const resumed = chat.at(restarted.url);
      const again = await fetch(`${restarted.url}/api/chat/session`, { method: "POST", headers: { cookie: resumed.cookie } });
      expect(await again.json()).toEqual({ session: chat.session });
      await resumed.say("after the restart");
      expect(await resumed.waitForBotMessages(2)).toEqual(["Send anything", "Send anything"]);
      expect((await resumed.state()).fields).toMatchObject({ count: "1" });
    } finally {
      await restarted.stop();
    }
    expect(readFileSync(file, "utf8")).toBe(kept);
    expect(generated()).toHaveLength(1);
  });
});
