import { randomUUID } from "node:crypto";
import { messageOutData } from "../engine/engine-turn.ts";
import type { PlannedMessage } from "../engine/engine-types.ts";
import { messagesInOrder, resolveEffect } from "../engine/turn-effect.ts";
import type { DomainEvent } from "../events/event-catalog.ts";
import type { ConversationState } from "../model/conversation-state.ts";
import { toStoredMessage } from "../model/stored-message.ts";
import type { AppliedTurn } from "../runtime/conversation-store.ts";
import { eventRows } from "./event-rows.ts";
import type { Prisma } from "./generated/client.ts";
import { mergeContacts } from "./merge-contacts.ts";
import { prismaEffectResolvers } from "./prisma-effect-resolvers.ts";
import { prismaRunner, type SqlRunner } from "./sql-runner.ts";
import type { StoreEffectContext } from "./store-effect-context.ts";
import { refreshSupportCard } from "./support-handoff.ts";
import type { TurnToPersist } from "./turn-to-persist.ts";
import { type TurnRows, type WrittenTurn, writeTurnRows } from "./write-turn-rows.ts";

type Tx = Prisma.TransactionClient;

/**
 * Writes a decided turn inside its transaction: the effects first (each may read and write, as
 * issuing a promo code does), then everything else in one statement — conversations, the
 * contact, follow-ups cancelled and planned, events and the outbox — and last, when the turn
 * gave a phone or email another contact has, joins the two.
 *
 * The outbox rows are claimed for sending at once when the contact has nothing else waiting to
 * go (the usual case): the runtime sends them without claiming them again.
 */
export async function persistTurn(tx: Tx, turn: TurnToPersist): Promise<AppliedTurn> {
  const { outbound, events, exhaustedPromoPools, afterWrite, rearm, cancelled, supportPosts } = await resolveEffects(tx, turn);
  const joinsAnother = givesNewPhoneOrEmail(turn);
  // Rows a merge moves to another contact are sent by that contact's drain: not claimed here.
  const applied = await writeTurn(prismaRunner(tx), turn, { outbound, events, claim: !joinsAnother });
  // Rows that refer to the turn's conversations (orders) go in once those exist.
  for (const write of afterWrite) await write(tx);
  if (turn.supportDesk && turn.contact.handedOffAt !== null) await refreshSupportCard(tx, turn, supportPosts);
  return {
    ...applied,
    schedule: [...applied.schedule, ...rearm],
    cancel: [...applied.cancel, ...cancelled],
    contactId: joinsAnother ? await joinSamePerson(tx, turn) : applied.contactId,
    ...(exhaustedPromoPools.length ? { exhaustedPromoPools } : {}),
  };
}

/**
 * Whether a turn is written by `writeTurn` alone: it has no effects, joins no other contact, and
 * the contact is not with staff (whose card may need an edit after the turn).
 */
export function isPlainTurn(turn: TurnToPersist): boolean {
  return turn.result.effects.length === 0 && !givesNewPhoneOrEmail(turn) && turn.contact.handedOffAt === null;
}

/**
 * Writes the turn's rows in one statement on `run` (any transaction: Prisma's, or a
 * node-postgres client's on the hot path); `extra` carries what its effects added.
 */
export async function writeTurn(run: SqlRunner, turn: TurnToPersist, extra?: TurnExtra): Promise<AppliedTurn> {
  const [applied] = await writeTurns(run, [extra ? { turn, extra } : { turn }]);
  return applied as AppliedTurn;
}

/** What a turn's effects added to it, and whether its messages may be claimed for sending at once. */
interface TurnExtra {
  outbound: PlannedMessage[];
  events: DomainEvent[];
  claim: boolean;
}

/** Writes plain turns of different contacts (a batch of follow-ups) in one statement on `run`. */
export async function writeTurns(run: SqlRunner, turns: ReadonlyArray<{ turn: TurnToPersist; extra?: TurnExtra }>): Promise<AppliedTurn[]> {
  const rows = turns.map(({ turn, extra }) => turnRows(turn, extra ?? { outbound: turn.result.outbound, events: [], claim: true }));
  const written = await writeTurnRows(run, rows);
  return rows.map(({ turn, planned }, n) => {
    const { cancelled, claimed } = written[n] as WrittenTurn;
    return {
      contactId: turn.contact.id,
      schedule: [
        ...planned.map(({ id, dueAt, heldBackFrom }) => (heldBackFrom ? { id, dueAt, heldBackFrom } : { id, dueAt })),
        // A follow-up postponed past quiet hours gets its timer again.
        ...(turn.settles?.status === "pending" ? [{ id: turn.settles.followUpId, dueAt: turn.settles.until }] : []),
      ],
      cancel: cancelled,
      ...(claimed.length ? { claimed } : {}),
    };
  });
}

const conversationIdsOfTurn = new WeakMap<TurnToPersist, { idByFlow: Map<string, string>; newConversations: Set<string> }>();

/** The ids of the turn's conversations by flow: new ones get theirs here, once per turn (effects need them before the rows are written). */
function conversationIds(turn: TurnToPersist) {
  let ids = conversationIdsOfTurn.get(turn);
  if (ids) return ids;
  const idByFlow = new Map(turn.conversations.map((c) => [c.flowId, c.id]));
  const newConversations = new Set<string>();
  for (const state of turn.result.conversations) {
    if (idByFlow.has(state.flowId)) continue;
    const id = randomUUID();
    idByFlow.set(state.flowId, id);
    newConversations.add(id);
  }
  ids = { idByFlow, newConversations };
  conversationIdsOfTurn.set(turn, ids);
  return ids;
}

/** A turn's rows, worked out in memory. */
function turnRows(turn: TurnToPersist, extra: TurnExtra): TurnRows {
  const { contact, result, now } = turn;
  const { idByFlow, newConversations } = conversationIds(turn);
  const currentId = turn.setCurrent && result.currentFlowId ? (idByFlow.get(result.currentFlowId) ?? null) : contact.currentConversationId;
  const conversationOf = (flowId: string | null | undefined) => (flowId ? (idByFlow.get(flowId) ?? null) : currentId);
  return {
    turn,
    conversations: result.conversations.map((state) => {
      const id = idByFlow.get(state.flowId) as string;
      return { id, isNew: newConversations.has(id), state };
    }),
    contactUpdate: result.contactChanged || currentId !== contact.currentConversationId ? { currentId } : undefined,
    planned: plannedFollowUps(turn, idByFlow),
    events: eventRows(contact.id, [...result.events, ...extra.events], conversationOf, now),
    outbox: extra.outbound.map((o, index) => ({
      dedupeKey: `${turn.keyBase}#${index}`,
      conversationId: conversationOf(o.flowId),
      payload: toStoredMessage(o.message),
    })),
    claim: extra.claim,
  };
}

/** Performs the turn's effects; returns every message in reading order and the effects' own events. */
async function resolveEffects(tx: Tx, turn: TurnToPersist) {
  const context: StoreEffectContext = {
    tx,
    contactId: turn.contact.id,
    now: turn.now,
    exhaustedPromoPools: [],
    turn,
    conversationIdOf: (flowId) => conversationIds(turn).idByFlow.get(flowId),
    afterWrite: [],
    rearm: [],
    cancelled: [],
    supportPosts: 0,
  };
  const composed: Array<{ position: number; message: PlannedMessage }> = [];
  const events: DomainEvent[] = [];
  for (const effect of turn.result.effects) {
    const resolved = await resolveEffect(prismaEffectResolvers, effect, context);
    const flowId = effect.flowId ?? undefined;
    events.push(...resolved.events.map((event) => ({ ...event, flowId })));
    if (!resolved.message) continue;
    composed.push({ position: effect.position, message: { flowId: effect.flowId, message: resolved.message } });
    // A message an effect composed is logged like the engine's own.
    events.push({ type: "message_out", flowId, data: messageOutData(resolved.message) });
  }
  return {
    outbound: messagesInOrder(turn.result.outbound, composed),
    events,
    exhaustedPromoPools: context.exhaustedPromoPools,
    afterWrite: context.afterWrite,
    rearm: context.rearm,
    cancelled: context.cancelled,
    supportPosts: context.supportPosts,
  };
}

/** The follow-ups of the visits the contact is at now (none after /stop), with their deterministic ids. */
function plannedFollowUps({ result }: TurnToPersist, idByFlow: Map<string, string>) {
  if (result.contact.optedOut) return [];
  const stateByFlow = new Map<string, ConversationState>(result.conversations.map((s) => [s.flowId, s]));
  return result.followUps
    .filter((f) => stateByFlow.get(f.flowId)?.visit === f.visit && stateByFlow.get(f.flowId)?.status === "active")
    .map((f) => {
      const conversationId = idByFlow.get(f.flowId) as string;
      return { ...f, id: `${conversationId}-${f.visit}-${f.index}`, conversationId };
    });
}

function givesNewPhoneOrEmail({ contact: before, result }: TurnToPersist): boolean {
  const after = result.contact;
  return Boolean((after.phone && after.phone !== before.phone) || (after.email && after.email !== before.email));
}

/** A phone or email this turn gave that another contact has: one person, one contact. Returns the contact that remains. */
async function joinSamePerson(tx: Tx, { contact: before, result, now }: TurnToPersist): Promise<string> {
  const after = result.contact;
  const newPhone = after.phone && after.phone !== before.phone ? after.phone : undefined;
  const newEmail = after.email && after.email !== before.email ? after.email : undefined;
  const [same] = await tx.$queryRaw<Array<{ id: string }>>`
    SELECT id FROM "Contact" WHERE id <> ${before.id}::uuid AND (phone = ${newPhone ?? null} OR email = ${newEmail ?? null})
    ORDER BY "createdAt" LIMIT 1 FOR UPDATE`;
  if (!same) return before.id;
  await mergeContacts(tx, before.id, same.id, newPhone ? "phone" : "email", now);
  return same.id;
}
