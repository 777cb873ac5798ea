import type { EngineResult } from "../engine/engine-types.ts";
import type { ChannelName } from "../model/channel-name.ts";
import type { ContactView } from "../model/contact-view.ts";
import type { ConversationState } from "../model/conversation-state.ts";
import type { ContactLookup } from "../model/external-event.ts";
import type { OrderSnapshot } from "../model/order.ts";
import type { StoredMessage } from "../model/stored-message.ts";
import type { OutboxChannel } from "./channel-sender.ts";
import type { ScheduledFollowUp } from "./follow-up-scheduler.ts";
import type { ProviderRefund } from "./payment-provider.ts";
import type { SendLane } from "./send-pacer.ts";

/** Who wrote, as the channel knows them. */
export interface ChannelAddress {
  channel: ChannelName;
  /** Telegram chat id, VK peer id, web chat session id. */
  externalId: string;
}

export interface ContactProfile {
  first_name?: string | undefined;
  last_name?: string | undefined;
  username?: string | undefined;
}

/** What the engine needs to decide a turn, loaded under the contact's lock. */
export interface TurnContext {
  contact: ContactView;
  conversations: ConversationState[];
  currentFlowId: string | null;
  /** Outcome of a "link my accounts" code the event carried, redeemed in the same transaction. */
  linkResult?: "linked" | "invalid";
}

/**
 * Work done before the state of an inbound is loaded, because it changes whose state that is:
 * a "link my accounts" code sent from another messenger joins this address's contact with the
 * one that asked for the code.
 */
export type PreTurnEffect = { type: "redeem_link_code"; code: string };

/**
 * One inbound of any kind — a message today; a payment confirmation, a staff reply or an
 * outside event next — as a unit of work: recorded by its idempotency key, then lock → load →
 * decide → persist in one transaction, then the runtime's after-commit step.
 */
export interface InboundUnit {
  /** Telegram update id, VK message id, payment event id …: a unit whose key was seen is ignored. */
  key: string;
  from: ChannelAddress;
  profile: ContactProfile;
  before?: PreTurnEffect | undefined;
  decide(context: TurnContext): EngineResult;
}

/** Decides a due follow-up's turn from the locked state of its conversation. */
export type FollowUpDecision = (
  context: TurnContext & {
    conversation: ConversationState;
    followUp: { visit: number; stepId: string; index: number };
    channel: ChannelName;
    /** When marketing follow-ups were sent to the contact in the last eight days (ms), for the frequency cap. */
    marketingSentAt: number[];
    /** When the person last wrote on the channel the follow-up goes to (ISO). */
    lastSeenAt: string | undefined;
  },
) => EngineResult & { fired: boolean; postponedUntil?: Date };

/** What a provider says about a payment, confirmed with the provider itself (notifications are only hints). */
export interface PaymentUpdate {
  /** Idempotency key of this news: provider, payment and status; seen before, it is ignored. */
  key: string;
  orderId: string;
  providerPaymentId: string;
  status: "paid" | "canceled" | "expired";
  /** What the provider says was paid, in minor units: it must match the order. */
  amount: number;
  currency: string;
}

/** Decides the turn a settled payment brings, on the locked state of the order's conversation. */
export type PaymentDecision = (
  context: TurnContext & {
    conversation: ConversationState;
    order: OrderSnapshot;
    visit: number;
    outcome: PaymentUpdate["status"];
    channel: ChannelName;
  },
) => EngineResult;

/** What staff wrote in a customer's topic of the support group, as a unit of work like an inbound. */
export interface StaffUnit {
  /** The platform's id of the staff message: seen before, it is ignored. */
  key: string;
  /** The support group and the topic: they name the customer. */
  topic: SupportTopic;
  decide: StaffDecision;
}

/** An event from another system for one contact (POST /api/events). */
export interface ExternalEventUnit {
  /** `event:<the sender's id>`: seen before, the event is ignored. */
  key: string;
  lookup: ContactLookup;
  /**
   * Decides the turn on the contact's locked state; `channel` is where they are reached, and
   * `lastSeenAt` when they wrote there. `later`: nothing is written, not even the key.
   */
  decide: (
    context: TurnContext & { channel: ChannelName; lastSeenAt: string; marketingSentAt: number[] },
  ) => EngineResult & { later?: boolean };
}

/** A contact the win-back scan found: silent since `lastSeenMs` (ms since 1970), on the identity they wrote from last. */
export interface InactiveContact {
  contactId: string;
  identityId: string;
  lastSeenMs: number;
}

/** One contact of the win-back scan, for one flow. */
export interface InactivityUnit extends InactiveContact {
  flowId: string;
  /** Decides the turn on the contact's locked state: "later" writes nothing. */
  decide: (
    context: TurnContext & { channel: ChannelName; lastSeenAt: Date; marketingSentAt: number[] },
  ) => EngineResult & { outcome: "started" | "later" | "skipped" };
}

/** A forum topic of the support group. */
export interface SupportTopic {
  chatId: string;
  topicId: number;
}

/** Decides the turn of a staff message on the locked state of the topic's contact. */
export type StaffDecision = (
  context: TurnContext & {
    /** The customer's channel, where an answer goes: the one they wrote from last. */
    channel: ChannelName;
    resume?: { flowId: string; stepId: string } | undefined;
  },
) => EngineResult;

/** A malformed platform update: what it was and why it can never be handled. */
export interface RejectedInboundUpdate {
  channel: ChannelName;
  key?: string | undefined;
  reason: string;
  body: string;
}

/** What the runtime must do after the transaction committed. */
export interface AppliedTurn {
  /** The contact whose outbox may have new messages. */
  contactId: string;
  schedule: ScheduledFollowUp[];
  cancel: string[];
  /** Promo pools that had no code left for this turn (the fallback text was sent). */
  exhaustedPromoPools?: string[];
  /**
   * The turn's messages, already claimed for sending (the contact had nothing else waiting):
   * the runtime sends them as they are, in order, instead of claiming them one by one.
   */
  claimed?: PendingOutbound[];
}

export interface PendingOutbound {
  id: bigint;
  contactId: string;
  channel: OutboxChannel;
  externalId: string;
  message: StoredMessage;
  dedupeKey: string;
  lane: SendLane;
  /** Send attempts so far, this one included. */
  attempts: number;
}

/**
 * Durable state behind the runtime. Every method that changes state runs in one transaction
 * holding the contact's row lock, so updates of one conversation never interleave, also across
 * processes. Implemented with Prisma in core/store-prisma.
 */
export interface ConversationStore {
  /**
   * Records the unit's key, then runs `decide` on the locked state and persists its result.
   * Returns null when the key was seen before (a redelivery): nothing is done.
   */
  applyInbound(unit: InboundUnit): Promise<AppliedTurn | null>;

  /**
   * Whether a link code comes from an address that is no contact yet and is not one that can be
   * redeemed now: such a guess is refused without creating a contact.
   */
  isStrangerWithBadLinkCode(from: ChannelAddress, code: string): Promise<boolean>;

  /**
   * Settles pending follow-ups exactly once each: `decide` gets the locked state of a follow-up's
   * conversation. A batch of due follow-ups shares its transactions; the answer is in the order
   * of `followUpIds`: null for one that was already settled or cancelled, an Error for one that
   * failed alone (the others stand).
   */
  applyFollowUps(followUpIds: readonly string[], decide: FollowUpDecision): Promise<Array<AppliedTurn | null | Error>>;

  /**
   * Settles an order once: the first confirmed news of its payment moves it from pending (and
   * the contact's purchase facts with it) and gets its turn from `decide`; news seen before, of
   * an order settled already, or whose amount does not match the order's, gives null.
   */
  applyPayment(update: PaymentUpdate, decide: PaymentDecision): Promise<AppliedTurn | null>;

  /**
   * Applies what staff wrote in a topic to the topic's contact, once per key; "duplicate" for a
   * key seen before, "unknown_topic" for a topic that is no customer's (the General topic, one
   * made by hand).
   */
  applyStaffMessage(unit: StaffUnit): Promise<AppliedTurn | "duplicate" | "unknown_topic">;

  /**
   * A word for staff in the contact's topic (a reply could not be delivered), queued in the
   * contact's outbox when they have a support thread; false when they have none.
   */
  noteInSupport(contactId: string, text: string, dedupeKey: string): Promise<boolean>;

  /**
   * Reminds the team in the topics of customers whose latest message, written before
   * `waitingBefore`, nobody answered: once per unanswered message. Returns the contacts with a
   * reminder to send.
   */
  remindSupport(waitingBefore: Date, text: (waitingSince: Date) => string): Promise<string[]>;

  /** Contacts handed to staff with no message from either side since `idleBefore`, a page at most. */
  idleHandoffs(idleBefore: Date, limit: number): Promise<string[]>;

  /**
   * Hands an idle handoff back to the bot, once: under the contact's lock it is checked to be
   * open and idle still, then `decide`'s turn is written. Null when there was nothing to do.
   */
  returnIdleHandoff(contactId: string, idleBefore: Date, decide: StaffDecision): Promise<AppliedTurn | null>;

  /**
   * Whether an order may still be paid for this amount: pending, same amount and currency (a
   * provider that asks before it charges — Telegram's pre_checkout_query — is answered by it).
   */
  orderPayable(orderId: string, amount: number, currency: string): Promise<"payable" | "settled" | "changed" | "unknown">;

  /**
   * Records a refund a provider confirmed (one made in its dashboard, or by the refund command)
   * on the order of its payment, once per refund id. False when it was recorded before or the
   * payment is no order of ours.
   */
  recordRefund(refund: ProviderRefund & { provider: string }): Promise<boolean>;

  /**
   * A review link opened (/r/<id>): the click is counted and logged (`review_link_clicked`).
   * Returns where to send the person, or undefined for an id that is no link of ours.
   */
  openReviewLink(id: string): Promise<string | undefined>;

  /**
   * An outside event, in one transaction: its contact found (none, or none we can reach:
   * "unknown_contact", and nothing is recorded) and locked, its key checked (seen before:
   * "duplicate"), and the turn `decide` gives written like any other with the key — unless it
   * says `later`, when nothing is.
   */
  applyExternalEvent(unit: ExternalEventUnit): Promise<AppliedTurn | "duplicate" | "unknown_contact" | "later">;

  /**
   * A page of contacts whose last message falls in `window`, for the win-back flow `flowId`,
   * leaving out those opted out, with staff or entered for that silence already.
   */
  inactiveContacts(
    flowId: string,
    window: { from: Date; to: Date },
    page: { after?: InactiveContact | undefined; limit: number },
  ): Promise<InactiveContact[]>;

  /** Removes the addresses of contacts erased in the chat once their confirmation went (see erase-contact.ts); how many. */
  finishErasures(): Promise<number>;

  /** Enters one contact of the scan, once per silence, under their lock (see apply-inactivity-entry.ts). */
  applyInactivityEntry(unit: InactivityUnit): Promise<AppliedTurn | "later" | "stale">;

  /**
   * A page of pending follow-ups (all, or those due before `dueBefore`), in id order after
   * `page.after`, to re-arm timers that Redis lost: the database is the truth.
   */
  pendingFollowUps(
    dueBefore: Date | undefined,
    page: { after?: string | undefined; limit: number },
  ): Promise<Array<{ id: string; dueAt: Date }>>;

  /**
   * Marks a channel address blocked (or reachable again). Blocking cancels the contact's pending
   * follow-ups and returns their ids, so their timers can be removed.
   */
  setBlocked(address: ChannelAddress, blocked: boolean): Promise<string[]>;

  /** Keeps an update that can never be handled, with the reason (it is acknowledged, not redelivered). */
  rejectInbound(rejected: RejectedInboundUpdate): Promise<void>;

  /** Claims the oldest pending outbound message of a contact, or null. */
  claimNextOutbound(contactId: string): Promise<PendingOutbound | null>;
  /** Notes the message sent; tells whether the contact has other messages waiting to be claimed. */
  markSent(id: bigint): Promise<{ morePending: boolean }>;
  /** Puts messages claimed with a turn but not sent (an earlier one failed) back in line, unsent. */
  releaseClaims(ids: bigint[]): Promise<void>;
  /** Gives up on the message (`retryAt` unset), or puts it back to be sent again at `retryAt`; until then the contact's later messages wait. */
  markFailed(id: bigint, error: string, retryAt?: Date): Promise<void>;
  /** Contacts with messages to send now, including ones a crash left half-sent and retries that are due. */
  contactsWithUnsent(): Promise<string[]>;

  /**
   * Pending orders nobody heard of since `untouchedSince` (their notification may be lost), at most
   * `limit`, marked as looked at now so the next round takes others.
   */
  ordersToReconcile(untouchedSince: Date, limit: number): Promise<Array<{ orderId: string; provider: string; providerPaymentId: string }>>;
}
