import { messageOutData } from "../engine/engine-turn.ts";
import type { EngineResult, PlannedMessage } from "../engine/engine-types.ts";
import { messagesInOrder, resolveEffect } from "../engine/turn-effect.ts";
import type { DomainEvent } from "../events/event-catalog.ts";
import type { ConversationState } from "../model/conversation-state.ts";
import { toStoredMessage } from "../model/stored-message.ts";
import type { AppliedTurn, ChannelAddress } from "../runtime/conversation-store.ts";
import type { SendLane } from "../runtime/send-pacer.ts";
import { eventRows } from "./event-rows.ts";
import type { Contact, Conversation, Prisma } from "./generated/client.ts";
import { mergeContacts } from "./merge-contacts.ts";
import { prismaEffectResolvers, type StoreEffectContext } from "./prisma-effect-resolvers.ts";

type Tx = Prisma.TransactionClient;

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
}

/**
 * Writes a decided turn inside its transaction, each part by what it writes: conversations,
 * the contact, follow-ups, events, then the outbox (with the messages effects compose), and
 * finally joins the contact with another that has the phone or email it just gave.
 */
export async function persistTurn(tx: Tx, turn: TurnToPersist): Promise<AppliedTurn> {
  const idByFlow = await writeConversations(tx, turn);
  const currentId =
    turn.setCurrent && turn.result.currentFlowId ? (idByFlow.get(turn.result.currentFlowId) ?? null) : turn.contact.currentConversationId;
  await writeContact(tx, turn, currentId);
  const { schedule, cancel } = await settleFollowUps(tx, turn, idByFlow);
  const conversationOf = (flowId: string | null | undefined) => (flowId ? (idByFlow.get(flowId) ?? null) : currentId);
  const rows = eventRows(turn.contact.id, turn.result.events, conversationOf, turn.now);
  if (rows.length) await tx.event.createMany({ data: rows });
  const exhaustedPromoPools = await writeOutbox(tx, turn, conversationOf);
  return {
    contactId: await joinSamePerson(tx, turn),
    schedule,
    cancel,
    ...(exhaustedPromoPools.length ? { exhaustedPromoPools } : {}),
  };
}

/** Upserts the conversations the turn changed; returns every conversation id of the contact by flow. */
async function writeConversations(tx: Tx, { contact, conversations, result, from, now }: TurnToPersist): Promise<Map<string, string>> {
  const idByFlow = new Map(conversations.map((c) => [c.flowId, c.id]));
  for (const state of result.conversations) {
    const data = {
      flowVersion: state.flowVersion,
      stepId: state.stepId,
      visit: state.visit,
      stage: state.stage,
      status: state.status,
      state: { v: 1, vars: state.vars, attempts: state.attempts, answer: state.answer ?? null } as Prisma.InputJsonValue,
      channel: from.channel,
      updatedAt: now,
    };
    const saved = await tx.conversation.upsert({
      where: { contactId_flowId: { contactId: contact.id, flowId: state.flowId } },
      create: { contactId: contact.id, flowId: state.flowId, createdAt: now, ...data },
      update: data,
    });
    idByFlow.set(state.flowId, saved.id);
  }
  return idByFlow;
}

async function writeContact(tx: Tx, { contact, result, now }: TurnToPersist, currentId: string | null): Promise<void> {
  if (!result.contactChanged && currentId === contact.currentConversationId) return;
  const c = result.contact;
  await tx.contact.update({
    where: { id: contact.id },
    data: {
      firstName: c.first_name ?? null,
      lastName: c.last_name ?? null,
      username: c.username ?? null,
      phone: c.phone ?? null,
      email: c.email ?? null,
      firstSource: c.first_source ?? null,
      lastSource: c.last_source ?? null,
      consentVersion: c.consent?.version ?? null,
      consentAt: c.consent ? new Date(c.consent.at) : null,
      consentChannel: c.consent?.channel ?? null,
      fields: c.fields as Prisma.InputJsonValue,
      tags: c.tags,
      optedOut: c.optedOut,
      currentConversationId: currentId,
      updatedAt: now,
    },
  });
}

/**
 * Cancels the follow-ups of visits the contact left (all of them after /stop) and plans those
 * of the visits it is at now. Returns the timers to arm and to remove.
 */
async function settleFollowUps(
  tx: Tx,
  { contact, result, now }: TurnToPersist,
  idByFlow: Map<string, string>,
): Promise<Pick<AppliedTurn, "schedule" | "cancel">> {
  const stateByFlow = new Map<string, ConversationState>(result.conversations.map((s) => [s.flowId, s]));
  const left = [...stateByFlow.values()].map((s) => ({
    conversationId: idByFlow.get(s.flowId) as string,
    ...(s.status === "active" ? { visit: { not: s.visit } } : {}),
  }));
  const cancelWhere: Prisma.FollowUpWhereInput = result.contact.optedOut
    ? { status: "pending", conversation: { contactId: contact.id } }
    : { status: "pending", OR: left.length ? left : [{ id: "" }] };
  const cancelled = await tx.followUp.findMany({ where: cancelWhere, select: { id: true } });
  if (cancelled.length) {
    await tx.followUp.updateMany({ where: { id: { in: cancelled.map((f) => f.id) } }, data: { status: "cancelled", settledAt: now } });
  }
  const planned = result.contact.optedOut
    ? []
    : result.followUps.filter((f) => stateByFlow.get(f.flowId)?.visit === f.visit && stateByFlow.get(f.flowId)?.status === "active");
  const rows = planned.map((f) => {
    const conversationId = idByFlow.get(f.flowId) as string;
    return {
      id: `${conversationId}-${f.visit}-${f.index}`,
      conversationId,
      visit: f.visit,
      stepId: f.stepId,
      index: f.index,
      dueAt: f.dueAt,
    };
  });
  if (rows.length) await tx.followUp.createMany({ data: rows, skipDuplicates: true });
  return {
    schedule: rows.map(({ id, dueAt }, i) => {
      const heldBackFrom = planned[i]?.heldBackFrom;
      return heldBackFrom ? { id, dueAt, heldBackFrom } : { id, dueAt };
    }),
    cancel: cancelled.map((f) => f.id),
  };
}

/** Performs the turn's effects and writes every message in reading order; returns the promo pools found empty. */
async function writeOutbox(
  tx: Tx,
  turn: TurnToPersist,
  conversationOf: (flowId: string | null | undefined) => string | null,
): Promise<string[]> {
  const context: StoreEffectContext = { tx, contactId: turn.contact.id, now: turn.now, exhaustedPromoPools: [] };
  const composed: Array<{ position: number; message: PlannedMessage }> = [];
  const effectEvents: DomainEvent[] = [];
  for (const effect of turn.result.effects) {
    const { message, events } = await resolveEffect(prismaEffectResolvers, effect, context);
    const flowId = effect.flowId ?? undefined;
    effectEvents.push(...events.map((event) => ({ ...event, flowId })));
    if (!message) continue;
    composed.push({ position: effect.position, message: { flowId: effect.flowId, message } });
    // A message an effect composed is logged like the engine's own.
    effectEvents.push({ type: "message_out", flowId, data: messageOutData(message) });
  }
  if (effectEvents.length) await tx.event.createMany({ data: eventRows(turn.contact.id, effectEvents, conversationOf, turn.now) });
  const outbound = messagesInOrder(turn.result.outbound, composed);
  if (outbound.length) {
    await tx.outboxMessage.createMany({
      data: outbound.map((o, index) => ({
        dedupeKey: `${turn.keyBase}#${index}`,
        contactId: turn.contact.id,
        conversationId: conversationOf(o.flowId),
        channel: turn.from.channel,
        externalId: turn.from.externalId,
        payload: toStoredMessage(o.message) as Prisma.InputJsonValue,
        lane: turn.lane,
        createdAt: turn.now,
      })),
      skipDuplicates: true,
    });
  }
  return context.exhaustedPromoPools;
}

/** A phone or email this turn gave that another contact has: one person, one contact. Returns the contact that remains. */
async function joinSamePerson(tx: Tx, { contact: before, result, now }: TurnToPersist): Promise<string> {
  const after = result.contact;
  const newPhone = after.phone && after.phone !== before.phone ? after.phone : undefined;
  const newEmail = after.email && after.email !== before.email ? after.email : undefined;
  if (!newPhone && !newEmail) return before.id;
  const [same] = await tx.$queryRaw<Array<{ id: string }>>`
    SELECT id FROM "Contact" WHERE id <> ${before.id}::uuid AND (phone = ${newPhone ?? null} OR email = ${newEmail ?? null})
    ORDER BY "createdAt" LIMIT 1 FOR UPDATE`;
  if (!same) return before.id;
  await mergeContacts(tx, before.id, same.id, newPhone ? "phone" : "email", now);
  return same.id;
}
