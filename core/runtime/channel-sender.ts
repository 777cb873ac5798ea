import type { ChannelName } from "../model/channel-name.ts";
import type { OutboundMessage } from "../model/outbound-message.ts";
import type { SendLane } from "./send-pacer.ts";

/** Outbox rows for the contact's topic in the support group (staff's side of a handoff) carry this channel. */
export const supportChannel = "support";

/** Where an outbox row goes: the customer's channel, or their topic in the support group. */
export type OutboxChannel = ChannelName | typeof supportChannel;

/** Where one outbox message goes, and what it is. */
export interface SendTarget {
  /** The chat on the channel; for the support channel, the contact whose topic it is. */
  externalId: string;
  /** Absent for a word to someone who is no contact (a refused link-code guess): nothing is stored. */
  contactId?: string;
  outboxId?: bigint;
  /**
   * Stable for the logical message: channels that support idempotent sends (VK's random_id)
   * must derive their key from it, so a retry cannot duplicate.
   */
  dedupeKey: string;
  /** A reply to the customer, or a message the bot sends on its own (paced as bulk). */
  lane: SendLane;
}

/** Delivers messages on one channel; implemented by the adapters in bots/. */
export interface ChannelSender {
  readonly channel: OutboxChannel;
  send(to: SendTarget, message: OutboundMessage): Promise<void>;
}
