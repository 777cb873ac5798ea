import type { ChannelName } from "../model/channel-name.ts";
import type { OutboundMessage } from "../model/outbound-message.ts";
import type { SendLane } from "./send-pacer.ts";

/** Where one outbox message goes, and what it is. */
export interface SendTarget {
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
  readonly channel: ChannelName;
  send(to: SendTarget, message: OutboundMessage): Promise<void>;
}
