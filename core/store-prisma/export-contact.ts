import type { Prisma } from "./generated/client.ts";

/**
 * Everything stored about one person (152-FZ art. 14, GDPR art. 15), as plain JSON: the contact,
 * their channel addresses, conversations with their variables, the event log, orders, survey
 * answers, review links, promo codes, the support thread and messages waiting to be sent.
 * Undefined for a contact that does not exist.
 */
export async function exportContact(tx: Prisma.TransactionClient, contactId: string): Promise<Record<string, unknown> | undefined> {
  const contact = await tx.contact.findUnique({
    where: { id: contactId },
    include: {
      identities: true,
      conversations: { include: { followUps: true } },
      events: { orderBy: { id: "asc" } },
      orders: true,
      surveyResponses: true,
      reviewLinks: true,
      supportThread: true,
      outbox: { where: { status: { not: "sent" } } },
    },
  });
  if (!contact) return undefined;
  const promoCodes = await tx.promoCode.findMany({ where: { contactId }, select: { pool: true, code: true, issuedAt: true } });
  return JSON.parse(JSON.stringify({ ...contact, promoCodes }, (_, value) => (typeof value === "bigint" ? value.toString() : value)));
}
