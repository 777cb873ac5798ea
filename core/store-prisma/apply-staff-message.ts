import type { ChannelName } from "../model/channel-name.ts";
import type { AppliedTurn, StaffUnit } from "../runtime/conversation-store.ts";
import type { PaymentProviders } from "../runtime/payment-provider.ts";
import { loadContactState } from "./contact-state.ts";
import type { Contact, Prisma } from "./generated/client.ts";
import { persistTurn } from "./persist-turn.ts";
import { prismaRunner } from "./sql-runner.ts";

type Tx = Prisma.TransactionClient;

/**
 * A staff message as an inbound of its own, in one transaction: its key recorded (a redelivery
 * does nothing), the topic's contact locked, the turn the engine decides written like any other.
 * Answers go where the customer wrote last (a channel that still reaches them first).
 */
export async function applyStaffMessage(
  tx: Tx,
  unit: StaffUnit,
  now: Date,
  payments: PaymentProviders | undefined,
): Promise<AppliedTurn | "duplicate" | "unknown_topic"> {
  const [fresh] = await tx.$queryRaw<Array<{ key: string }>>`
    INSERT INTO "InboundReceipt" (key, channel, "receivedAt") VALUES (${unit.key}, 'support', ${now})
    ON CONFLICT DO NOTHING RETURNING key`;
  if (!fresh) return "duplicate";
  const chatId = BigInt(unit.topic.chatId);
  const [contact] = await tx.$queryRaw<Contact[]>`
    SELECT ct.* FROM "Contact" ct
    WHERE ct.id = (SELECT "contactId" FROM "SupportThread" WHERE "chatId" = ${chatId} AND "topicId" = ${unit.topic.topicId})
    FOR UPDATE`;
  if (!contact) return "unknown_topic";
  const [thread] = await tx.$queryRaw<Array<{ resumeFlowId: string | null; resumeStepId: string | null }>>`
    SELECT "resumeFlowId", "resumeStepId" FROM "SupportThread" WHERE "contactId" = ${contact.id}::uuid`;
  const identity = await lastSeenIdentity(tx, contact.id);
  if (!identity) return "unknown_topic";
  const { context, conversations } = await loadContactState(prismaRunner(tx), contact);
  const { channel } = identity;
  const resume = thread?.resumeFlowId && thread.resumeStepId ? { flowId: thread.resumeFlowId, stepId: thread.resumeStepId } : undefined;
  const result = unit.decide({ ...context, channel, resume });
  await tx.$executeRaw`UPDATE "SupportThread" SET "lastStaffAt" = ${now}, "updatedAt" = ${now} WHERE "contactId" = ${contact.id}::uuid`;
  return persistTurn(tx, {
    contact,
    conversations,
    result,
    from: identity,
    keyBase: unit.key,
    setCurrent: true,
    lane: "reply",
    now,
    payments,
    supportDesk: true,
  });
}

/**
 * A handoff nobody wrote in since `idleBefore` goes back to the bot, in one transaction: the
 * contact locked, the thread checked to be open and idle still (a message may have come
 * meanwhile), the engine's turn written. The key names the handoff, so it returns once.
 */
export async function returnIdleHandoff(
  tx: Tx,
  contactId: string,
  idleBefore: Date,
  decide: StaffUnit["decide"],
  now: Date,
): Promise<AppliedTurn | null> {
  const [contact] = await tx.$queryRaw<Contact[]>`SELECT * FROM "Contact" WHERE id = ${contactId}::uuid FOR UPDATE`;
  if (!contact) return null;
  const [thread] = await tx.$queryRaw<Array<{ id: string; openedAt: Date }>>`
    SELECT id, "openedAt" FROM "SupportThread" WHERE "contactId" = ${contactId}::uuid AND status = 'open'
      AND greatest("openedAt", "lastCustomerAt", "lastStaffAt") < ${idleBefore}`;
  if (!thread) return null;
  const key = `support-timeout:${thread.id}:${thread.openedAt.toISOString()}`;
  const [fresh] = await tx.$queryRaw<Array<{ key: string }>>`
    INSERT INTO "InboundReceipt" (key, channel, "receivedAt") VALUES (${key}, 'support', ${now})
    ON CONFLICT DO NOTHING RETURNING key`;
  if (!fresh) return null;
  const identity = await lastSeenIdentity(tx, contactId);
  if (!identity) return null;
  const { context, conversations } = await loadContactState(prismaRunner(tx), contact);
  const result = decide({ ...context, channel: identity.channel });
  return persistTurn(tx, {
    contact,
    conversations,
    result,
    from: identity,
    keyBase: key,
    setCurrent: false,
    lane: "reply",
    now,
    supportDesk: true,
  });
}

/** Where the customer is answered: the channel they wrote from last, one that still reaches them first. */
async function lastSeenIdentity(tx: Tx, contactId: string): Promise<{ channel: ChannelName; externalId: string } | undefined> {
  const [identity] = await tx.$queryRaw<Array<{ channel: string; externalId: string }>>`
    SELECT channel, "externalId" FROM "ChannelIdentity" WHERE "contactId" = ${contactId}::uuid
    ORDER BY ("blockedAt" IS NULL) DESC, "lastSeenAt" DESC LIMIT 1`;
  return identity ? { channel: identity.channel as ChannelName, externalId: identity.externalId } : undefined;
}
