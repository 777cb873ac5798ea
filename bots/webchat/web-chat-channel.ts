import { EventEmitter } from "node:events";
import type { FileAttachment, OutboundButton, OutboundMessage } from "../../core/model/outbound-message.ts";
import type { ChannelSender, SendTarget } from "../../core/runtime/channel-sender.ts";

/** A message as the web chat page shows it (the HTTP contract of bots/webchat/public). */
export interface WebChatMessage {
  id: string;
  direction: "in" | "out";
  text: string;
  buttons?: OutboundButton[][];
  /** A document sent with the message, downloadable from `url`. */
  file?: { name: string; size: number; url: string };
  createdAt: string;
}

/** Where the page downloads a flow's file: by content hash, so only files of loaded flows are served. */
export function webChatFileOf(file: Pick<FileAttachment, "sha256" | "name" | "size">): NonNullable<WebChatMessage["file"]> {
  return { name: file.name, size: file.size, url: `/api/files/${file.sha256}/${encodeURIComponent(file.name)}` };
}

/**
 * Carries web chat messages between the app's processes, so a page sees a message whichever
 * replica sent it. Implemented over Redis pub/sub by `RedisWebChatRelay`.
 */
export interface WebChatRelay {
  /** Hands the message to the other processes. Resolves once that was tried: it never rejects. */
  publish(sessionId: string, message: WebChatMessage): Promise<void>;
  /** Registers where messages that other processes published are delivered in this one. */
  onMessage(deliver: (sessionId: string, message: WebChatMessage) => void): void;
}

/**
 * The web chat's "platform": sending a message means handing it to the open pages of that
 * session (Server-Sent Events). The outbox row is the durable copy; a page that was closed
 * reads it back from the history.
 *
 * Pages on this process get a message at once; with a relay, pages whose stream another
 * replica holds get it through the relay. Without one, only this process's pages see it, which
 * is enough for a single process.
 */
export class WebChatChannel implements ChannelSender {
  readonly channel = "web" as const;
  private readonly pages = new EventEmitter().setMaxListeners(0);

  constructor(private readonly relay?: WebChatRelay) {
    relay?.onMessage((sessionId, message) => this.pages.emit(sessionId, message));
  }

  async send(to: Pick<SendTarget, "externalId" | "outboxId" | "dedupeKey">, message: OutboundMessage): Promise<void> {
    await this.publish(to.externalId, {
      id: `out-${to.outboxId ?? to.dedupeKey}`,
      direction: "out",
      text: message.text,
      ...(message.buttons ? { buttons: message.buttons } : {}),
      ...(message.file ? { file: webChatFileOf(message.file) } : {}),
      createdAt: new Date().toISOString(),
    });
  }

  /**
   * Shows the message on the session's pages: on this process's at once (before this returns),
   * on the other replicas' through the relay. Never rejects (see `WebChatRelay.publish`).
   */
  async publish(sessionId: string, message: WebChatMessage): Promise<void> {
    this.pages.emit(sessionId, message);
    await this.relay?.publish(sessionId, message);
  }

  /** Calls `listener` with each message of the session, whichever process sent it. Returns the unsubscribe function. */
  subscribe(sessionId: string, listener: (message: WebChatMessage) => void): () => void {
    this.pages.on(sessionId, listener);
    return () => this.pages.off(sessionId, listener);
  }
}
