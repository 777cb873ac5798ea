import type { EventData } from "../events/event-catalog.ts";
import { writeEvent } from "./event-rows.ts";
import type { Contact, Prisma } from "./generated/client.ts";

type Tx = Prisma.TransactionClient;

/**
 * Joins contact `fromId` into `intoId`: the same person, recognised by a phone or email given on
 * another channel. Channel identities, conversations, events, messages and promo codes move
 * over; where both have a value the more recently updated contact wins, tags are united, the
 * first source is the earlier one. Of two conversations in the same flow the more recently
 * active one is kept (with its follow-ups); `fromId` is deleted. Both contacts must be locked.
 */
export async function mergeContacts(
  tx: Tx,
  fromId: string,
  intoId: string,
  reason: EventData<"contacts_merged">["reason"],
  now: Date,
): Promise<void> {
  const [from, into] = await Promise.all([
    tx.contact.findUniqueOrThrow({ where: { id: fromId } }),
    tx.contact.findUniqueOrThrow({ where: { id: intoId } }),
  ]);
  const [newer, older] = from.updatedAt >= into.updatedAt ? [from, into] : [into, from];

  const conversations = await tx.conversation.findMany({ where: { contactId: { in: [fromId, intoId] } }, orderBy: { updatedAt: "desc" } });
  const keptFlows = new Set<string>();
  const dropped: string[] = [];
  for (const conversation of conversations) {
    if (keptFlows.has(conversation.flowId)) dropped.push(conversation.id);
    else keptFlows.add(conversation.flowId);
  }
  // Deleting a conversation deletes its follow-ups; their queued jobs then find nothing to do.
  if (dropped.length) await tx.conversation.deleteMany({ where: { id: { in: dropped } } });
  const moved = { where: { contactId: fromId }, data: { contactId: intoId } };
  await tx.conversation.updateMany(moved);
  await tx.channelIdentity.updateMany(moved);
  await tx.event.updateMany(moved);
  await tx.outboxMessage.updateMany(moved);
  const heldPools = (await tx.promoCode.findMany({ where: { contactId: intoId }, select: { pool: true } })).map((p) => p.pool);
  await tx.promoCode.updateMany({ where: { contactId: fromId, pool: { notIn: heldPools } }, data: { contactId: intoId } });

  const pick = <K extends keyof Contact>(key: K) => newer[key] ?? older[key];
  const [earlier, later] = from.createdAt <= into.createdAt ? [from, into] : [into, from];
  const consentHolder = [from, into].filter((c) => c.consentAt).sort((a, b) => Number(b.consentAt) - Number(a.consentAt))[0];
  const current = [from.currentConversationId, into.currentConversationId].find((id) => id && !dropped.includes(id)) ?? null;
  await tx.contact.delete({ where: { id: fromId } });
  await tx.contact.update({
    where: { id: intoId },
    data: {
      firstName: pick("firstName"),
      lastName: pick("lastName"),
      username: pick("username"),
      phone: pick("phone"),
      email: pick("email"),
      fields: { ...(older.fields as object), ...(newer.fields as object) },
      tags: [...new Set([...older.tags, ...newer.tags])],
      optedOut: newer.optedOut,
      firstSource: earlier.firstSource ?? later.firstSource,
      lastSource: pick("lastSource"),
      consentVersion: consentHolder?.consentVersion ?? null,
      consentAt: consentHolder?.consentAt ?? null,
      consentChannel: consentHolder?.consentChannel ?? null,
      currentConversationId: current,
    },
  });
  await writeEvent(tx, intoId, { type: "contacts_merged", data: { from: fromId, reason, droppedConversations: dropped } }, now);
}
