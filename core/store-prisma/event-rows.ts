import { checkedEvent, currentEventVersion, type DomainEvent } from "../events/event-catalog.ts";
import type { Prisma } from "./generated/client.ts";

/**
 * Event rows for the log, each checked against the event catalog first: writing an event type
 * the catalog does not know, or a payload that does not match it, is a bug that fails loudly.
 */
export function eventRows(
  contactId: string,
  events: readonly DomainEvent[],
  conversationOf: (flowId: string | undefined) => string | null,
  at: Date,
): Prisma.EventCreateManyInput[] {
  return events.map((event) => {
    checkedEvent(event);
    return {
      contactId,
      conversationId: conversationOf(event.flowId),
      type: event.type,
      version: currentEventVersion,
      data: event.data as Prisma.InputJsonValue,
      createdAt: at,
    };
  });
}

/** Writes one event of the store's own (a merge, a block, a promo code) inside the caller's transaction. */
export async function writeEvent(
  tx: Prisma.TransactionClient,
  contactId: string,
  event: DomainEvent,
  at: Date,
  conversationId: string | null = null,
): Promise<void> {
  await tx.event.createMany({ data: eventRows(contactId, [event], () => conversationId, at) });
}
