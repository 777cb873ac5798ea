import type { FollowUpPlan } from "../engine/engine-types.ts";
import type { ConversationState } from "../model/conversation-state.ts";
import type { StoredMessage } from "../model/stored-message.ts";
import type { PendingOutbound } from "../runtime/conversation-store.ts";
import { Prisma } from "./generated/client.ts";
import type { SqlRunner } from "./sql-runner.ts";
import type { TurnToPersist } from "./turn-to-persist.ts";

/** The rows of one turn, worked out in memory; written by `writeTurnRows` in one statement. */
export interface TurnRows {
  turn: TurnToPersist;
  /** Every conversation the turn changed; `isNew` ones get the id given here. */
  conversations: Array<{ id: string; isNew: boolean; state: ConversationState }>;
  /** Present when the contact row changes (its fields, or its current conversation). */
  contactUpdate: { currentId: string | null } | undefined;
  planned: Array<FollowUpPlan & { id: string; conversationId: string }>;
  events: Prisma.EventCreateManyInput[];
  outbox: Array<{ dedupeKey: string; conversationId: string | null; payload: StoredMessage }>;
  /** Whether the outbox rows may be claimed for sending at once (when nothing else of the contact waits). */
  claim: boolean;
}

/**
 * Writes a turn in one round trip: data-modifying CTEs for the conversations, the contact,
 * the follow-ups it cancels (visits the contact left; all of them after /stop) and plans, its
 * events and its outbox. Returns the cancelled follow-ups and the outbox rows claimed for sending.
 */
export async function writeTurnRows(run: SqlRunner, rows: TurnRows): Promise<{ cancelled: string[]; claimed: PendingOutbound[] }> {
  const { turn } = rows;
  const contactId = turn.contact.id;
  const { channel, externalId } = turn.from;
  const json = (value: unknown) => JSON.stringify(value);
  const conversations = rows.conversations.map(({ id, isNew, state }) => ({
    id,
    isNew,
    flowId: state.flowId,
    flowVersion: state.flowVersion,
    stepId: state.stepId,
    visit: state.visit,
    stage: state.stage,
    status: state.status,
    state: { v: 1, vars: state.vars, attempts: state.attempts, answer: state.answer ?? null },
  }));
  // Follow-ups of the visits left: of every conversation after /stop, else of each changed one
  // whose visit moved on or that ended.
  const cancelWhere = turn.result.contact.optedOut
    ? Prisma.sql`f."conversationId" IN (SELECT id FROM "Conversation" WHERE "contactId" = ${contactId}::uuid)`
    : Prisma.sql`EXISTS (SELECT 1 FROM conv WHERE conv.id = f."conversationId" AND (conv.status <> 'active' OR conv.visit <> f.visit))`;
  const [written] = await run<{ cancelled: string[]; claimed: Array<{ id: string; dedupeKey: string }> }>(Prisma.sql`
    WITH conv AS (
      SELECT * FROM jsonb_to_recordset(${json(conversations)}::jsonb) AS x(
        id uuid, "isNew" boolean, "flowId" text, "flowVersion" text, "stepId" text, visit int, stage text, status text, state jsonb)),
    conv_created AS (
      INSERT INTO "Conversation" (id, "contactId", "flowId", "flowVersion", "stepId", visit, stage, status, state, channel, "createdAt", "updatedAt")
      SELECT id, ${contactId}::uuid, "flowId", "flowVersion", "stepId", visit, stage, status, state, ${channel}, ${turn.now}, ${turn.now}
      FROM conv WHERE "isNew"),
    conv_updated AS (
      UPDATE "Conversation" c SET "flowVersion" = conv."flowVersion", "stepId" = conv."stepId", visit = conv.visit, stage = conv.stage,
        status = conv.status, state = conv.state, channel = ${channel}, "updatedAt" = ${turn.now}
      FROM conv WHERE NOT conv."isNew" AND c.id = conv.id),
    ${contactUpdate(rows)}
    ${followUpSettled(rows)}
    cancelled AS (
      UPDATE "FollowUp" f SET status = 'cancelled', "settledAt" = ${turn.now}
      WHERE f.status = 'pending' AND ${cancelWhere} AND f.id <> ${turn.settles?.followUpId ?? ""} RETURNING f.id),
    planned AS (
      INSERT INTO "FollowUp" (id, "conversationId", visit, "stepId", index, "dueAt")
      SELECT * FROM jsonb_to_recordset(${json(rows.planned.map(({ id, conversationId, visit, stepId, index, dueAt }) => ({ id, conversationId, visit, stepId, index, dueAt })))}::jsonb)
        AS x(id text, "conversationId" uuid, visit int, "stepId" text, index int, "dueAt" timestamp(3))
      ON CONFLICT DO NOTHING),
    events AS (
      INSERT INTO "Event" ("contactId", "conversationId", type, version, data, "createdAt")
      SELECT ${contactId}::uuid, "conversationId", type, version, data, ${turn.now}
      FROM ROWS FROM (jsonb_to_recordset(${json(rows.events.map(({ conversationId, type, version, data }) => ({ conversationId, type, version, data })))}::jsonb)
          AS ("conversationId" uuid, type text, version int, data jsonb))
        WITH ORDINALITY AS x("conversationId", type, version, data, n)
      ORDER BY n),
    claim AS (
      SELECT ${rows.claim} AND NOT EXISTS (
        SELECT 1 FROM "OutboxMessage" WHERE "contactId" = ${contactId}::uuid AND status IN ('pending', 'sending')) AS ok),
    outbox AS (
      INSERT INTO "OutboxMessage" ("dedupeKey", "contactId", "conversationId", channel, "externalId", payload, lane, status, attempts, "claimedAt", "createdAt")
      SELECT x."dedupeKey", ${contactId}::uuid, x."conversationId", ${channel}, ${externalId}, x.payload, ${turn.lane},
        CASE WHEN claim.ok THEN 'sending' ELSE 'pending' END, CASE WHEN claim.ok THEN 1 ELSE 0 END,
        CASE WHEN claim.ok THEN ${turn.now}::timestamp(3) END, ${turn.now}
      FROM ROWS FROM (jsonb_to_recordset(${json(rows.outbox)}::jsonb) AS ("dedupeKey" text, "conversationId" uuid, payload jsonb))
          WITH ORDINALITY AS x("dedupeKey", "conversationId", payload, n)
        CROSS JOIN claim
      ORDER BY x.n
      ON CONFLICT DO NOTHING RETURNING id, "dedupeKey", status)
    SELECT (SELECT coalesce(json_agg(id), '[]'::json) FROM cancelled) AS cancelled,
      (SELECT coalesce(json_agg(json_build_object('id', id::text, 'dedupeKey', "dedupeKey") ORDER BY id), '[]'::json)
       FROM outbox WHERE status = 'sending') AS claimed`);
  const payloadOf = new Map(rows.outbox.map((o) => [o.dedupeKey, o.payload]));
  return {
    cancelled: written?.cancelled ?? [],
    claimed: (written?.claimed ?? []).map(({ id, dedupeKey }) => ({
      id: BigInt(id),
      contactId,
      channel,
      externalId,
      message: payloadOf.get(dedupeKey) as StoredMessage,
      dedupeKey,
      lane: turn.lane,
      attempts: 1,
    })),
  };
}

/**
 * The CTE that settles the follow-up the turn fires, or nothing for an inbound. (The cancelling
 * CTE leaves that follow-up alone: one statement must not update a row twice.)
 */
function followUpSettled({ turn }: TurnRows): Prisma.Sql {
  if (!turn.settles) return Prisma.empty;
  return Prisma.sql`settled AS (
      UPDATE "FollowUp" SET status = ${turn.settles.status}, "settledAt" = ${turn.now} WHERE id = ${turn.settles.followUpId}),`;
}

/** The CTE that updates the contact row, or nothing when it stays as it is. */
function contactUpdate({ turn, contactUpdate: update }: TurnRows): Prisma.Sql {
  if (!update) return Prisma.empty;
  const c = turn.result.contact;
  return Prisma.sql`contact_updated AS (
      UPDATE "Contact" SET "firstName" = ${c.first_name ?? null}, "lastName" = ${c.last_name ?? null}, username = ${c.username ?? null},
        phone = ${c.phone ?? null}, email = ${c.email ?? null}, "firstSource" = ${c.first_source ?? null}, "lastSource" = ${c.last_source ?? null},
        "consentVersion" = ${c.consent?.version ?? null}, "consentAt" = ${c.consent ? new Date(c.consent.at) : null}::timestamp(3),
        "consentChannel" = ${c.consent?.channel ?? null}, fields = ${JSON.stringify(c.fields)}::jsonb, tags = ${c.tags}::text[],
        "optedOut" = ${c.optedOut}, "currentConversationId" = ${update.currentId}::uuid, "updatedAt" = ${turn.now}
      WHERE id = ${turn.contact.id}::uuid),`;
}
