import type { MessageRef } from "./inbound-event.ts";
import type { SharedFile } from "./shared-file.ts";

/** What a question expects as its answer, so an adapter can offer e.g. a "share phone" button. */
export const answerKinds = ["text", "number", "email", "phone", "choice"] as const;
export type AnswerKind = (typeof answerKinds)[number];

export interface OutboundButton {
  label: string;
  /** Sent back by a reply button. */
  payload?: string;
  /** Opened by a link button. */
  url?: string;
}

export const messagePurposes = ["service", "support", "purchase", "promo"] as const;
export type MessagePurpose = (typeof messagePurposes)[number];

/** A file a flow sends, resolved and checked when the flow is loaded. */
export interface FileAttachment {
  /** Absolute path on this machine. */
  path: string;
  /** File name shown to the person. */
  name: string;
  /** Content hash: the key under which platforms' upload ids are remembered. */
  sha256: string;
  size: number;
}

/** One message in the normalised model that every channel adapter renders. */
export interface OutboundMessage {
  /** Simple HTML (`<b> <i> <u> <s> <code> <a>`) for html channels, plain text otherwise. */
  text: string;
  format: "html" | "plain";
  /** Rows of buttons. */
  buttons?: OutboundButton[][];
  /** What the question expects. */
  expects?: AnswerKind;
  /** A document to send; `text` is its caption where the platform allows (Telegram: ≤ 1024 characters). */
  file?: FileAttachment;
  /**
   * A Telegram message to copy instead (a photo or file someone sent, with its caption): Telegram
   * channels copy it; others send `text`, which names what could not be carried.
   */
  copy?: MessageRef;
  /**
   * A file from another channel to send on with `caption`: the channel fetches and uploads it,
   * and sends `text` (which names the file, with its link where it has one) when it cannot.
   */
  carry?: { file: SharedFile; caption: string };
  /**
   * What the message is for, when it is no reply to what the person just wrote: a service
   * notice, a support staff member's answer, news of a purchase, or marketing. Channels with
   * rules by purpose (VK's `intent`) read it.
   */
  purpose?: MessagePurpose;
  /** For the support desk: this is the customer's card, to post (and remember) or to edit where it was posted. */
  card?: "post" | "edit";
}
