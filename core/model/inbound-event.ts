import type { MediaKind, SharedFile } from "./shared-file.ts";

/** What happened on a channel, already normalised by the channel adapter. */
export type InboundEvent =
  /** `/start <payload>`, a VK `ref`, or the web chat's flow picker (`flowId`). */
  | { type: "start"; payload?: string; flowId?: string }
  /** `files`: what came with the text (a VK message may carry both); the bot reads only the text. */
  | { type: "text"; text: string; files?: SharedFile[] }
  /** A press on one of our buttons; `payload` is what the button carried. */
  | { type: "button"; payload: string; label?: string }
  /**
   * A photo, document, voice message, sticker or video. The bot does not read them; while staff
   * have the conversation they go to the customer's topic: `copy` names the Telegram message to
   * copy as it is; `files` are what another channel has to fetch and upload (a VK message's attachments).
   */
  | { type: "media"; kind: MediaKind; caption?: string; copy?: MessageRef; files?: SharedFile[] };

/** A Telegram message by chat and id, for copyMessage. */
export interface MessageRef {
  chatId: string;
  messageId: number;
}
