import type { ChannelName, ContactView, ConversationState, EngineResult, OutboundMessage } from "../engine/engine-types.ts";
import type { ScheduledFollowUp } from "./follow-up-scheduler.ts";

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

/** What the runtime must do after the transaction committed. */
export interface AppliedTurn {
  /** The contact whose outbox may have new messages. */
  contactId: string;
  schedule: ScheduledFollowUp[];
  cancel: string[];
  /** Promo pools that had no code left for this turn (the fallback text was sent). */
  exhaustedPromoPools?: string[];
}

export interface PendingOutbound {
  id: bigint;
  contactId: string;
  channel: ChannelName;
  externalId: string;
  message: OutboundMessage;
  dedupeKey: string;
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
   * Records `inboundKey`, then runs `decide` on the locked state and persists its result.
   * Returns null when the key was seen before (a redelivery): nothing is done.
   */
  applyInbound(
    inboundKey: string,
    from: ChannelAddress,
    profile: ContactProfile,
    decide: (context: TurnContext) => EngineResult,
    /** A link code to redeem first: this address joins the contact that asked for the code. */
    linkCode?: string,
  ): Promise<AppliedTurn | null>;

  /**
   * Settles a pending follow-up exactly once: `decide` gets the locked state of its
   * conversation; returns null when the follow-up was already settled or cancelled.
   */
  applyFollowUp(
    followUpId: string,
    decide: (
      context: TurnContext & {
        conversation: ConversationState;
        followUp: { visit: number; stepId: string; index: number };
        channel: ChannelName;
      },
    ) => EngineResult & { fired: boolean },
  ): Promise<AppliedTurn | null>;

  /**
   * Pending follow-ups (all, or those due before `dueBefore`), to re-arm timers that Redis lost:
   * the database is the truth.
   */
  pendingFollowUps(dueBefore?: Date): Promise<Array<{ id: string; dueAt: Date }>>;

  /**
   * Marks a channel address blocked (or reachable again). Blocking cancels the contact's pending
   * follow-ups and returns their ids, so their timers can be removed.
   */
  setBlocked(address: ChannelAddress, blocked: boolean): Promise<string[]>;

  /** Claims the oldest pending outbound message of a contact, or null. */
  claimNextOutbound(contactId: string): Promise<PendingOutbound | null>;
  markSent(id: bigint): Promise<void>;
  /** Gives up on the message (`retryAt` unset), or puts it back to be sent again at `retryAt`; until then the contact's later messages wait. */
  markFailed(id: bigint, error: string, retryAt?: Date): Promise<void>;
  /** Contacts with messages to send now, including ones a crash left half-sent and retries that are due. */
  contactsWithUnsent(): Promise<string[]>;
}
