import type { ChannelName } from "../model/channel-name.ts";
import type { OutboundMessage } from "../model/outbound-message.ts";

/** Delivers messages on one channel; implemented by the adapters in bots/. */
export interface ChannelSender {
  readonly channel: ChannelName;
  /**
   * `dedupeKey` is stable for the logical message: channels that support idempotent sends
   * (VK's random_id) must derive their key from it, so a retry cannot duplicate.
   */
  send(to: { externalId: string; contactId: string; outboxId: bigint; dedupeKey: string }, message: OutboundMessage): Promise<void>;
}
