import { randomUUID } from "node:crypto";
import { expect } from "vitest";
import type { WebChatMessage } from "../../bots/webchat/web-chat-channel.ts";
import { waitFor } from "./wait-for.ts";

/** What `POST /api/chat/session` gave one person: the id to look rows up by, and the cookie that is the credential. */
interface OpenedSession {
  session: string;
  cookie: string;
}

/**
 * Talks to a running Orkestr's web chat API the way the page does: one client is one person,
 * with a session of its own (opened on the first call) whose cookie it sends on every request.
 */
export class WebChatClient {
  private opened: OpenedSession | undefined;
  private opening: Promise<OpenedSession> | undefined;

  constructor(readonly baseUrl: string) {}

  /** The session id (the contact's externalId on the web channel); known once the session is open. */
  get session(): string {
    return this.openedSession().session;
  }

  /** The `Cookie` header this person sends, e.g. to hand to a raw `fetch` or to a stream. */
  get cookie(): string {
    return this.openedSession().cookie;
  }

  /** Opens the session with `POST /api/chat/session`; every other call does this first. */
  async open(): Promise<this> {
    this.opening ??= this.openSession();
    this.opened = await this.opening;
    return this;
  }

  /** The same person (same cookie) at another address: another replica, or the app after a restart. */
  at(baseUrl: string): WebChatClient {
    const same = new WebChatClient(baseUrl);
    same.opened = this.openedSession();
    return same;
  }

  async start(flowId: string): Promise<void> {
    await this.post("start", { flowId });
  }

  async say(text: string, clientMessageId = randomUUID()): Promise<void> {
    await this.post("messages", { text, clientMessageId });
  }

  /** Presses the button with this label on the latest bot message that has it. */
  async press(label: string): Promise<void> {
    const messages = await this.history();
    const button = messages
      .flatMap((m) => m.buttons?.flat() ?? [])
      .reverse()
      .find((b) => b.label === label && b.payload);
    if (!button?.payload) throw new Error(`No button "${label}" in ${JSON.stringify(messages.map((m) => m.text))}`);
    await this.post("buttons", { payload: button.payload, label, clientMessageId: randomUUID() });
  }

  async history(): Promise<WebChatMessage[]> {
    const response = await this.request("history");
    expect(response.status).toBe(200);
    return ((await response.json()) as { messages: WebChatMessage[] }).messages;
  }

  async botTexts(): Promise<string[]> {
    return (await this.history()).filter((m) => m.direction === "out").map((m) => m.text);
  }

  async state(): Promise<Record<string, unknown>> {
    const response = await this.request("state");
    return (await response.json()) as Record<string, unknown>;
  }

  /** Polls the history until the bot has said `count` messages; fails with what it did say. */
  waitForBotMessages(count: number): Promise<string[]> {
    return waitFor(
      () => this.botTexts(),
      (texts) => texts.length >= count,
      `${count} bot messages`,
    );
  }

  /** Posts a JSON body to a chat route and expects it taken (202). */
  async post(path: string, body: unknown): Promise<Response> {
    const response = await this.request(path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (response.status !== 202) throw new Error(`POST ${path} answered ${response.status}: ${await response.text()}`);
    return response;
  }

  /** Any request to `/api/chat/<path>` with this person's cookie, answered as it comes (no status check). */
  async request(path: string, init: RequestInit = {}): Promise<Response> {
    await this.open();
    const headers = new Headers(init.headers);
    headers.set("cookie", this.cookie);
    return fetch(`${this.baseUrl}/api/chat/${path}`, { ...init, headers });
  }

  private async openSession(): Promise<OpenedSession> {
    if (this.opened) return this.opened;
    const response = await fetch(`${this.baseUrl}/api/chat/session`, { method: "POST" });
    if (response.status !== 200) throw new Error(`POST session answered ${response.status}: ${await response.text()}`);
    const { session } = (await response.json()) as { session: string };
    // Only the cookie's name=value goes back; its attributes are for browsers (and have a test of their own).
    const cookie = response.headers.getSetCookie()[0]?.split(";")[0];
    if (!cookie) throw new Error("POST session set no cookie");
    return { session, cookie };
  }

  private openedSession(): OpenedSession {
    if (!this.opened) throw new Error("The web chat session is not open yet: call open() or any request first");
    return this.opened;
  }
}
