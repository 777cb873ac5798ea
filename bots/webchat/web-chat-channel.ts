import { EventEmitter } from "node:events";
import type { FileAttachment, OutboundButton, OutboundMessage } from "../../core/model/outbound-message.ts";
import type { ChannelSender } from "../../core/runtime/channel-sender.ts";

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
export function webChatFileOf(file: FileAttachment): NonNullable<WebChatMessage["file"]> {
  return { name: file.name, size: file.size, url: `/api/files/${file.sha256}/${encodeURIComponent(file.name)}` };
}

/**
 * The web chat's "platform": sending a message means handing it to the open pages of that
 * session (Server-Sent Events). The outbox row is the durable copy; a page that was closed
 * reads it back from the history.
 */
export class WebChatChannel implements ChannelSender {
  readonly channel = "web" as const;
  private readonly sessions = new EventEmitter().setMaxListeners(0);

  async send(to: { externalId: string; outboxId: bigint }, message: OutboundMessage): Promise<void> {
    this.publish(to.externalId, {
      id: `out-${to.outboxId}`,
      direction: "out",
      text: message.text,
      ...(message.buttons ? { buttons: message.buttons } : {}),
      ...(message.file ? { file: webChatFileOf(message.file) } : {}),
      createdAt: new Date().toISOString(),
    });
  }

  publish(sessionId: string, message: WebChatMessage): void {
    this.sessions.emit(sessionId, message);
  }

  /** Returns the unsubscribe function. */
  subscribe(sessionId: string, listener: (message: WebChatMessage) => void): () => void {
    this.sessions.on(sessionId, listener);
    return () => this.sessions.off(sessionId, listener);
  }
}
