import type { Prisma } from "./generated/client.ts";

/**
 * Erases a person's personal data at their request (152-FZ art. 21, GDPR art. 17), in one
 * transaction under the contact's lock. What stays is anonymous: the contact row (so counts,
 * orders and survey scores still add up) without names, phone, email, fields, tags or consent;
 * every event's type and time without its data (the texts of messages, values of fields); the
 * orders' amounts and statuses; survey scores without comments; promo codes still marked as
 * given, to nobody anyone can name. Their channel addresses go, so nothing more is sent to them
 * (a message they write later starts afresh), and so do unsent messages and link codes. A
 * `contact_erased` event records that it happened. False for a contact that does not exist.
 */
export async function eraseContact(
  tx: Prisma.TransactionClient,
  contactId: string,
  now: Date,
  /**
   * Erasure the person asked for in the chat: the turn's own messages (their outbox keys start
   * with `sendingFirst`) still go, to the address they came from; `finishErasures` removes the
   * address and the messages once sent.
   */
  options: { sendingFirst?: string } = {},
): Promise<boolean> {
  const [contact] = await tx.$queryRaw<Array<{ id: string; phone: string | null; email: string | null }>>`
    SELECT id, phone, email FROM "Contact" WHERE id = ${contactId}::uuid FOR UPDATE`;
  if (!contact) return false;
  // Updates the platforms sent that could not be read name the person only by their address and words.
  const addresses = (
    await tx.$queryRaw<Array<{ externalId: string }>>`SELECT "externalId" FROM "ChannelIdentity" WHERE "contactId" = ${contactId}::uuid`
  ).map((i) => i.externalId);
  const traces = [...addresses, contact.phone, contact.email].filter((t): t is string => Boolean(t && t.length >= 5)).map(standingAlone);
  if (traces.length > 0) await tx.$executeRaw`DELETE FROM "RejectedInbound" WHERE body ~* ANY (${traces}::text[])`;
  if (options.sendingFirst === undefined) await tx.$executeRaw`DELETE FROM "ChannelIdentity" WHERE "contactId" = ${contactId}::uuid`;
  const keep = options.sendingFirst === undefined ? null : `${options.sendingFirst}%`;
  await tx.$executeRaw`DELETE FROM "OutboxMessage" WHERE "contactId" = ${contactId}::uuid AND (${keep}::text IS NULL OR "dedupeKey" NOT LIKE ${keep})`;
  await tx.$executeRaw`DELETE FROM "AccountLinkCode" WHERE "contactId" = ${contactId}::uuid`;
  await tx.$executeRaw`UPDATE "Event" SET data = '{}' WHERE "contactId" = ${contactId}::uuid`;
  await tx.$executeRaw`
    UPDATE "FollowUp" SET status = 'cancelled', "settledAt" = ${now}
    WHERE status IN ('pending', 'held') AND "conversationId" IN (SELECT id FROM "Conversation" WHERE "contactId" = ${contactId}::uuid)`;
  await tx.$executeRaw`UPDATE "Conversation" SET state = '{"v": 1}', "stepId" = NULL, status = 'ended' WHERE "contactId" = ${contactId}::uuid`;
  await tx.$executeRaw`UPDATE "SurveyResponse" SET comment = NULL WHERE "contactId" = ${contactId}::uuid`;
  await tx.$executeRaw`UPDATE "Order" SET metadata = '{}', description = NULL, "paymentUrl" = NULL WHERE "contactId" = ${contactId}::uuid`;
  await tx.$executeRaw`UPDATE "SupportThread" SET title = 'erased', "cardFacts" = NULL WHERE "contactId" = ${contactId}::uuid`;
  await tx.$executeRaw`
    UPDATE "Contact" SET "firstName" = NULL, "lastName" = NULL, username = NULL, phone = NULL, email = NULL, timezone = NULL,
      fields = '{}', tags = '{}', "optedOut" = true, "consentVersion" = NULL, "consentAt" = NULL, "consentChannel" = NULL,
      "handedOffAt" = NULL, "currentConversationId" = NULL, "erasedAt" = ${now}, "updatedAt" = ${now}
    WHERE id = ${contactId}::uuid`;
  await tx.$executeRaw`
    INSERT INTO "Event" ("contactId", type, version, data, "createdAt") VALUES (${contactId}::uuid, 'contact_erased', 1, '{}', ${now})`;
  return true;
}

/**
 * The last step of erasures asked for in the chat, once their confirmation was sent (or given
 * up): the channel addresses and the messages sent to them go (an address the person wrote
 * from again meanwhile is a new contact's by then, see lock-inbound-contact.ts). Run by the runtime's sweep;
 * returns how many contacts it finished.
 */
export async function finishErasures(tx: Prisma.TransactionClient): Promise<number> {
  const done = await tx.$queryRaw<Array<{ id: string }>>`
    SELECT c.id FROM "Contact" c
    WHERE c."erasedAt" IS NOT NULL
      AND (EXISTS (SELECT 1 FROM "ChannelIdentity" i WHERE i."contactId" = c.id)
        OR EXISTS (SELECT 1 FROM "OutboxMessage" o WHERE o."contactId" = c.id))
      AND NOT EXISTS (SELECT 1 FROM "OutboxMessage" o WHERE o."contactId" = c.id AND o.status IN ('pending', 'sending'))
    LIMIT 100`;
  const ids = done.map((c) => c.id);
  if (ids.length === 0) return 0;
  await tx.$executeRaw`DELETE FROM "ChannelIdentity" WHERE "contactId" = ANY(${ids}::uuid[])`;
  await tx.$executeRaw`DELETE FROM "OutboxMessage" WHERE "contactId" = ANY(${ids}::uuid[])`;
  return ids.length;
}

/**
 * A PostgreSQL pattern for `trace` as a value of its own, not part of a longer one: Telegram id
 * 730155501 is in `"id":730155501,` but not in another person's 17301555019.
 */
function standingAlone(trace: string): string {
  return `(^|[^[:alnum:]])${trace.replace(/[^\p{L}\p{N}]/gu, "\\$&")}([^[:alnum:]]|$)`;
}
