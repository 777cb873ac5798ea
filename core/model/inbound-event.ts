/** What happened on a channel, already normalised by the channel adapter. */
export type InboundEvent =
  /** `/start <payload>`, a VK `ref`, or the web chat's flow picker (`flowId`). */
  | { type: "start"; payload?: string; flowId?: string }
  | { type: "text"; text: string }
  /** A press on one of our buttons; `payload` is what the button carried. */
  | { type: "button"; payload: string; label?: string }
  /**
   * A photo, document, voice message, sticker or video. The bot does not read them; while staff
   * have the conversation they go to the customer's topic (`copy` names the Telegram message to
   * copy; `url` is where a file that cannot be copied, a VK photo, can be opened).
   */
  | { type: "media"; kind: MediaKind; caption?: string; copy?: MessageRef; url?: string };

export const mediaKinds = ["photo", "document", "voice", "sticker", "video", "other"] as const;
export type MediaKind = (typeof mediaKinds)[number];

/** A Telegram message by chat and id, for copyMessage. */
export interface MessageRef {
  chatId: string;
  messageId: number;
}
