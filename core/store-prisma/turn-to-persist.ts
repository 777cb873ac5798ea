import type { EngineResult } from "../engine/engine-types.ts";
import type { ChannelAddress } from "../runtime/conversation-store.ts";
import type { PaymentProviders } from "../runtime/payment-provider.ts";
import type { SendLane } from "../runtime/send-pacer.ts";
import type { Contact, Conversation } from "./generated/client.ts";

/** One decided turn to write: the rows it was decided on, the result, where it came from and when. */
export interface TurnToPersist {
  contact: Contact;
  conversations: Conversation[];
  result: EngineResult;
  from: ChannelAddress;
  /** Idempotency key of the turn: outbox rows are keyed `<keyBase>#<n>`, so a turn written twice sends once. */
  keyBase: string;
  /** Whether the turn may move the contact's current conversation (an inbound may, a follow-up may not). */
  setCurrent: boolean;
  /** How its messages are paced: an inbound's are replies, a follow-up's are bulk. */
  lane: SendLane;
  now: Date;
  /** The follow-up this turn fires (or skips), settled with it; or postpones to `until` (pending still, due later). */
  settles?: { followUpId: string; status: "fired" | "skipped" } | { followUpId: string; status: "pending"; until: Date };
  /** Who takes the money when the turn asks for a payment. */
  payments?: PaymentProviders | undefined;
  /** Whether a support desk (SUPPORT_CHAT_ID) takes handoffs; without one a handoff is only a stored request. */
  supportDesk?: boolean | undefined;
  /** The app's public URL, where review links are counted (/r/<id>); none: they open the review sites directly. */
  reviewLinkBase?: string | undefined;
}
