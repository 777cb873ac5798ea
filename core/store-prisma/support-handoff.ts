import type { AwayNotice, CloseHandoff, NotifySupport, OpenHandoff, PostToSupport, StopFollowUps } from "../engine/turn-effect.ts";
import type { DomainEvent } from "../events/event-catalog.ts";
import type { OutboundMessage } from "../model/outbound-message.ts";
import { toStoredMessage } from "../model/stored-message.ts";
import { supportChannel } from "../runtime/channel-sender.ts";
import type { Prisma } from "./generated/client.ts";
import type { ResolvedEffect, StoreEffectContext } from "./store-effect-context.ts";
import { cardFacts, supportCard, topicTitle } from "./support-card.ts";
import type { TurnToPersist } from "./turn-to-persist.ts";

/**
 * Gives the conversation to staff, in the turn's transaction: the contact goes into human mode,
 * their support thread is opened (made on the first handoff, reused after) and the card goes to
 * their topic. Without a support desk nobody could answer there, so the request is only stored.
 */
export async function openHandoff(effect: OpenHandoff, context: StoreEffectContext): Promise<ResolvedEffect> {
  const { tx, contactId, now, turn } = context;
  const started = { reason: effect.reason, via: effect.via, ...(effect.stepId ? { stepId: effect.stepId } : {}) };
  // The engine asks only where a desk is set up; a store without one keeps the request, as the engine would.
  if (!turn.supportDesk) return { flowId: effect.flowId, events: [{ type: "handoff_requested", data: started }] };
  const alreadyOpen = turn.contact.handedOffAt !== null;
  await tx.$executeRaw`UPDATE "Contact" SET "handedOffAt" = coalesce("handedOffAt", ${now}) WHERE id = ${contactId}::uuid`;
  const title = topicTitle(turn.result.contact, turn.from.channel);
  // The number staff call the customer by («#12») is part of the topic's name, so both come from one sequence value.
  await tx.$executeRaw`
    WITH n AS (SELECT nextval(pg_get_serial_sequence('"SupportThread"', 'number')) AS v)
    INSERT INTO "SupportThread" (id, "contactId", number, title, status, reason, "resumeFlowId", "resumeStepId", "openedAt", "lastCustomerAt", "updatedAt")
    SELECT gen_random_uuid(), ${contactId}::uuid, n.v, ${title} || ' · #' || n.v, 'open', ${effect.reason}, ${effect.resume?.flowId ?? null},
           ${effect.resume?.stepId ?? null}, ${now}, ${now}, ${now} FROM n
    ON CONFLICT ("contactId") DO UPDATE SET status = 'open', reason = excluded.reason, "resumeFlowId" = excluded."resumeFlowId",
      "resumeStepId" = excluded."resumeStepId", "openedAt" = CASE WHEN "SupportThread".status = 'open' THEN "SupportThread"."openedAt" ELSE excluded."openedAt" END,
      "closedAt" = NULL, "lastCustomerAt" = excluded."openedAt", "updatedAt" = excluded."updatedAt"`;
  const events: DomainEvent[] = alreadyOpen ? [] : [{ type: "handoff_started", data: started }];
  // Asked again while staff have it: the customer is answered, the card is not sent twice.
  if (!alreadyOpen) await postCard(context, effect.flowId, effect.reason);
  const message = effect.compose();
  return { flowId: effect.flowId, ...(message ? { message } : {}), events };
}

/**
 * A word to staff about a customer the bot keeps talking with (an unhappy survey answer): the
 * customer gets a thread if they have none (closed: the bot still has the conversation), with
 * the card first, and the word goes to their topic. Staff who write there take the conversation.
 */
export async function notifySupport(effect: NotifySupport, context: StoreEffectContext): Promise<ResolvedEffect> {
  if (!context.turn.supportDesk) return { flowId: effect.flowId, events: [] };
  const { tx, contactId, now, turn } = context;
  const title = topicTitle(turn.result.contact, turn.from.channel);
  const made = await tx.$executeRaw`
    WITH n AS (SELECT nextval(pg_get_serial_sequence('"SupportThread"', 'number')) AS v)
    INSERT INTO "SupportThread" (id, "contactId", number, title, status, reason, "openedAt", "closedAt", "updatedAt")
    SELECT gen_random_uuid(), ${contactId}::uuid, n.v, ${title} || ' · #' || n.v, 'closed', 'notice', ${now}, ${now}, ${now} FROM n
    ON CONFLICT ("contactId") DO NOTHING`;
  if (made > 0) await postCard(context, effect.flowId, effect.text);
  queueSupportPost(context, effect.flowId, notice(effect.text));
  return { flowId: effect.flowId, events: [] };
}

/** A notice stands out in the topic from the customer's own words. */
function notice(text: string): OutboundMessage {
  return { text: `⚠️ ${text}`, format: "plain" };
}

/** Staff handed the conversation back: human mode ends, follow-ups held meanwhile are due again, the topic will be closed. */
export async function closeHandoff(effect: CloseHandoff, context: StoreEffectContext): Promise<ResolvedEffect> {
  const { tx, contactId, now } = context;
  await tx.$executeRaw`UPDATE "Contact" SET "handedOffAt" = NULL WHERE id = ${contactId}::uuid`;
  await tx.$executeRaw`
    UPDATE "SupportThread" SET status = 'closed', "closedAt" = ${now}, "updatedAt" = ${now} WHERE "contactId" = ${contactId}::uuid`;
  // Held follow-ups go out now (or when they were due, if later): their timers are armed again.
  const rearmed = await tx.$queryRaw<Array<{ id: string; dueAt: Date }>>`
    UPDATE "FollowUp" f SET status = 'pending', "settledAt" = NULL, "dueAt" = greatest(f."dueAt", ${now})
    FROM "Conversation" v WHERE v.id = f."conversationId" AND v."contactId" = ${contactId}::uuid AND f.status = 'held'
    RETURNING f.id, f."dueAt"`;
  context.rearm.push(...rearmed);
  return { flowId: effect.flowId, events: [] };
}

/** What goes into the contact's topic: a message of the customer's or the bot's word to staff, or the card again. */
export async function postToSupport(effect: PostToSupport, context: StoreEffectContext): Promise<ResolvedEffect> {
  if (!context.turn.supportDesk) return { flowId: effect.flowId, events: [] };
  const { tx, contactId } = context;
  if (effect.post.kind === "card") await postCard(context, effect.flowId, undefined);
  else queueSupportPost(context, effect.flowId, effect.post.message);
  if (effect.post.kind === "customer") {
    await tx.$executeRaw`
      UPDATE "SupportThread" SET "lastCustomerAt" = ${context.now}, "updatedAt" = ${context.now} WHERE "contactId" = ${contactId}::uuid`;
  }
  return { flowId: effect.flowId, events: [] };
}

/** `/stop_followups`: the contact's pending and held follow-ups are cancelled, and their timers removed. */
export async function stopFollowUps(effect: StopFollowUps, context: StoreEffectContext): Promise<ResolvedEffect> {
  const cancelled = await context.tx.$queryRaw<Array<{ id: string }>>`
    UPDATE "FollowUp" f SET status = 'cancelled', "settledAt" = ${context.now}
    FROM "Conversation" v WHERE v.id = f."conversationId" AND v."contactId" = ${context.contactId}::uuid AND f.status IN ('pending', 'held')
    RETURNING f.id`;
  context.cancelled.push(...cancelled.map((row) => row.id));
  return { flowId: effect.flowId, events: [] };
}

/** Out of hours: the customer is told when support opens, unless they were told so for this opening already. */
export async function awayNotice(effect: AwayNotice, { tx, contactId }: StoreEffectContext): Promise<ResolvedEffect> {
  const told = await tx.$queryRaw<unknown[]>`
    SELECT 1 FROM "Event" WHERE "contactId" = ${contactId}::uuid AND type = 'support_out_of_hours' AND data->>'opensAt' = ${effect.opensAt} LIMIT 1`;
  if (told.length > 0) return { flowId: effect.flowId, events: [] };
  return {
    flowId: effect.flowId,
    message: effect.compose(),
    events: [{ type: "support_out_of_hours", data: { opensAt: effect.opensAt } }],
  };
}

/** The card, posted anew (the desk remembers it to edit it later), with the facts it shows kept to see when they change. */
async function postCard(context: StoreEffectContext, flowId: string | null, reason: string | undefined): Promise<void> {
  const { tx, contactId, turn } = context;
  const card = await supportCard(tx, contactId, reason, turn.result);
  queueSupportPost(context, flowId, { ...card.message, card: "post" });
  await tx.$executeRaw`UPDATE "SupportThread" SET "cardFacts" = ${card.facts} WHERE "contactId" = ${contactId}::uuid`;
}

/**
 * After a turn of a contact whom staff have, once its rows are written: when the facts on the
 * card (tags, phone, stage, step, consent, orders …) are no longer those last sent, the card is
 * edited in place. Messages alone do not edit it: every message reaches the topic anyway.
 */
export async function refreshSupportCard(tx: Prisma.TransactionClient, turn: TurnToPersist, postNumber: number): Promise<void> {
  const contactId = turn.contact.id;
  const [thread] = await tx.$queryRaw<Array<{ cardFacts: string | null }>>`
    SELECT "cardFacts" FROM "SupportThread" WHERE "contactId" = ${contactId}::uuid AND status = 'open'`;
  if (!thread || (await cardFacts(tx, contactId, undefined)) === thread.cardFacts) return;
  const card = await supportCard(tx, contactId, undefined);
  await tx.$executeRaw`UPDATE "SupportThread" SET "cardFacts" = ${card.facts} WHERE "contactId" = ${contactId}::uuid`;
  const dedupeKey = `${turn.keyBase}#support-${postNumber}`;
  await insertSupportPost(tx, { contactId, message: { ...card.message, card: "edit" }, dedupeKey }, turn.now);
}

/**
 * A message for the support topic goes through the contact's outbox like any other: after the
 * turn's own messages, retried, sent once. Its key follows the turn's, so a turn written twice posts once.
 */
function queueSupportPost(context: StoreEffectContext, flowId: string | null, message: OutboundMessage): void {
  const { contactId, now, turn } = context;
  const post = {
    contactId,
    conversationId: flowId ? (context.conversationIdOf(flowId) ?? null) : null,
    message,
    dedupeKey: `${turn.keyBase}#support-${context.supportPosts++}`,
  };
  context.afterWrite.push(async (tx) => {
    await insertSupportPost(tx, post, now);
  });
}

/**
 * A post for the contact's topic, as an outbox row of the support channel: queued when the
 * contact has a support thread (else nobody could read it). False when they have none, or it was
 * queued before (same key).
 */
export async function insertSupportPost(
  db: Pick<Prisma.TransactionClient, "$executeRaw">,
  post: { contactId: string; conversationId?: string | null; message: OutboundMessage; dedupeKey: string },
  now: Date,
): Promise<boolean> {
  const { contactId, dedupeKey } = post;
  const payload = JSON.stringify(toStoredMessage(post.message));
  const inserted = await db.$executeRaw`
    INSERT INTO "OutboxMessage" ("dedupeKey", "contactId", "conversationId", channel, "externalId", payload, lane, status, attempts, "createdAt")
    SELECT ${dedupeKey}, ${contactId}::uuid, ${post.conversationId ?? null}::uuid, ${supportChannel}, ${contactId}, ${payload}::jsonb, 'reply', 'pending', 0, ${now}
    WHERE EXISTS (SELECT 1 FROM "SupportThread" WHERE "contactId" = ${contactId}::uuid)
    ON CONFLICT ("dedupeKey") DO NOTHING`;
  return inserted > 0;
}
