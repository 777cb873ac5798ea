import type { DomainEvent } from "../events/event-catalog.ts";
import type { OutboundMessage } from "../model/outbound-message.ts";
import type { ScheduledFollowUp } from "../runtime/follow-up-scheduler.ts";
import type { Prisma } from "./generated/client.ts";
import type { TurnToPersist } from "./turn-to-persist.ts";

/** What an effect resolver gets: the turn's transaction, its contact and clock. */
export interface StoreEffectContext {
  tx: Prisma.TransactionClient;
  contactId: string;
  now: Date;
  /** Promo pools found empty in this turn (the fallback was sent), for the runtime to warn about. */
  exhaustedPromoPools: string[];
  /** The turn being written (its contact, where it came from, its key, the payment providers). */
  turn: TurnToPersist;
  /** The id the conversation of a flow has, or gets in this turn. */
  conversationIdOf(flowId: string): string | undefined;
  /** Writes to do once the turn's rows exist (an order refers to its conversation). */
  afterWrite: Array<(tx: Prisma.TransactionClient) => Promise<void>>;
  /** Follow-ups an effect made due again (held during a handoff), for the runtime to arm. */
  rearm: ScheduledFollowUp[];
  /** Follow-ups an effect cancelled, for the runtime to remove their timers. */
  cancelled: string[];
  /** Messages for the support topic queued so far in this turn (each gets its own key). */
  supportPosts: number;
}

/**
 * What an effect did: the message it composed (effects that send nothing give none) and the
 * events it records, both for the conversation of `flowId`; the caller writes them.
 */
export interface ResolvedEffect {
  flowId: string | null;
  message?: OutboundMessage;
  events: DomainEvent[];
}
