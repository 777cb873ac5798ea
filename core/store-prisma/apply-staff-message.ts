import type { AppliedTurn, StaffUnit } from "../runtime/conversation-store.ts";
import type { PaymentProviders } from "../runtime/payment-provider.ts";
import { loadContactState } from "./contact-state.ts";
import type { Contact, Prisma } from "./generated/client.ts";
import { persistTurn } from "./persist-turn.ts";
import { reachableIdentity } from "./reachable-identity.ts";
import { recordReceipt } from "./record-receipt.ts";
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
  if (!(await recordReceipt(tx, unit.key, "support", now))) return "duplicate";
  const chatId = BigInt(unit.topic.chatId);
  const [contact] = await tx.$queryRaw<Contact[]>`
    SELECT ct.* FROM "Contact" ct
    WHERE ct.id = (SELECT "contactId" FROM "SupportThread" WHERE "chatId" = ${chatId} AND "topicId" = ${unit.topic.topicId})
    FOR UPDATE`;
  if (!contact) return "unknown_topic";
  const [thread] = await tx.$queryRaw<Array<{ resumeFlowId: string | null; resumeStepId: string | null }>>`
    SELECT "resumeFlowId", "resumeStepId" FROM "SupportThread" WHERE "contactId" = ${contact.id}::uuid`;
  const identity = await reachableIdentity(tx, contact.id);
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
  if (!(await recordReceipt(tx, key, "support", now))) return null;
  const identity = await reachableIdentity(tx, contactId);
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
