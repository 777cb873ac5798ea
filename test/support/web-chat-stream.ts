import type { WebChatMessage } from "../../bots/webchat/web-chat-channel.ts";
import { waitFor } from "./wait-for.ts";
import type { WebChatClient } from "./web-chat-client.ts";

/**
 * A web chat session's Server-Sent Events stream, read like the page's EventSource reads it
 * (with the session's cookie, which EventSource sends on the same origin):
 * `open` returns once the server said "ready", the "message" events collect in `messages`.
 */
export class WebChatStream {
  /** The "message" events received so far, in order. */
  readonly messages: WebChatMessage[] = [];
  private ready = false;
  /** Why reading stopped early, for the next wait to report instead of timing out. */
  private failure: unknown;
  private readonly reading: Promise<void>;

  private constructor(
    body: ReadableStream<Uint8Array>,
    private readonly abort: AbortController,
  ) {
    this.reading = this.read(body);
  }

  /** The stream of this person's session, at the client's address (`chat.at(url)` for another replica). */
  static async open(chat: WebChatClient): Promise<WebChatStream> {
    const abort = new AbortController();
    const response = await chat.request("stream", { headers: { accept: "text/event-stream" }, signal: abort.signal });
    if (response.status !== 200 || !response.body) {
      abort.abort();
      throw new Error(`GET stream answered ${response.status}: ${await response.text().catch(() => "")}`);
    }
    const stream = new WebChatStream(response.body, abort);
    await waitFor(
      () => stream.check().ready,
      (ready) => ready,
      "the stream's ready event",
    );
    return stream;
  }

  /** Waits for a "message" event that matches; fails with the messages that did come. */
  async waitForMessage(matches: (message: WebChatMessage) => boolean, what: string): Promise<WebChatMessage> {
    const seen = await waitFor(
      () => this.check().messages,
      (messages) => messages.some(matches),
      what,
    );
    return seen.find(matches) as WebChatMessage;
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.reading;
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk, { stream: true }).replaceAll("\r\n", "\n");
        let end = buffer.indexOf("\n\n");
        while (end !== -1) {
          this.dispatch(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf("\n\n");
        }
      }
    } catch (error) {
      // Closing the stream aborts the read; anything else is reported by the next wait.
      if (!this.abort.signal.aborted) this.failure = error;
    }
    if (!this.abort.signal.aborted) this.failure ??= new Error("the server ended the stream");
  }

  private check(): this {
    if (this.failure) throw this.failure;
    return this;
  }

  /** One event block: `event:` and `data:` lines; lines starting with ':' are keep-alive comments. */
  private dispatch(block: string): void {
    let event = "message";
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith("event:")) event = line.slice("event:".length).trim();
      else if (line.startsWith("data:")) data.push(line.slice("data:".length).replace(/^ /, ""));
    }
    // As in EventSource, a block without data (a keep-alive comment) is no event.
    if (data.length === 0) return;
    if (event === "ready") this.ready = true;
    else if (event === "message") this.messages.push(JSON.parse(data.join("\n")) as WebChatMessage);
  }
}
