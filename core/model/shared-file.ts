/** The kinds of files a person can send that the bot does not read. */
export const mediaKinds = ["photo", "document", "voice", "sticker", "video", "other"] as const;
export type MediaKind = (typeof mediaKinds)[number];

/**
 * A file someone sent on one channel, described so that another channel can fetch it and send
 * it on: a VK customer's photo goes to the Telegram topic, a staff member's document to a VK
 * customer. The bytes are fetched only when the message is sent.
 */
export interface SharedFile {
  kind: MediaKind;
  /** A Telegram file_id: fetched through the bot's getFile (Telegram lets bots download up to 20 MB). */
  telegramFileId?: string;
  /** Where it can be downloaded otherwise (VK's file servers); also the link staff open when it cannot be carried. */
  url?: string;
  /** The file's name, where it has one (documents). */
  name?: string;
  /** Its size in bytes, where the platform tells it. */
  size?: number;
}
