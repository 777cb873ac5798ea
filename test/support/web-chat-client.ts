import { randomUUID } from "node:crypto";
import { expect } from "vitest";
import type { WebChatMessage } from "../../bots/webchat/web-chat-channel.ts";
import { waitFor } from "./wait-for.ts";

/** Talks to a running Orkestr's web chat API the way the page does. */
export class WebChatClient {
  constructor(
    readonly baseUrl: string,
    readonly session = `test-${randomUUID()}`,
  ) {}

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
    const response = await fetch(`${this.baseUrl}/api/chat/${this.session}/history`);
    expect(response.status).toBe(200);
    return ((await response.json()) as { messages: WebChatMessage[] }).messages;
  }

  async botTexts(): Promise<string[]> {
    return (await this.history()).filter((m) => m.direction === "out").map((m) => m.text);
  }

  async state(): Promise<Record<string, unknown>> {
    const response = await fetch(`${this.baseUrl}/api/chat/${this.session}/state`);
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

  async post(path: string, body: unknown): Promise<Response> {
    const response = await fetch(`${this.baseUrl}/api/chat/${this.session}/${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (response.status !== 202) throw new Error(`POST ${path} answered ${response.status}: ${await response.text()}`);
    return response;
  }
}
