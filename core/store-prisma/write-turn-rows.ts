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

/** What one turn's write gave: the follow-ups it cancelled and the outbox rows it claimed for sending. */
export interface WrittenTurn {
  cancelled: string[];
  claimed: PendingOutbound[];
}

/**
 * Writes turns of different contacts in one round trip (one turn for an inbound, a batch of due
 * follow-ups): data-modifying CTEs over JSON record sets for the conversations, the contacts,
 * the follow-ups settled, cancelled (visits the contact left; all of them after /stop) and
 * planned, the events and the outbox. The text never changes, so PostgreSQL plans it once per
 * connection (see sql-runner.ts). Returns what each turn wrote, in the order given.
 */
export async function writeTurnRows(run: SqlRunner, batch: readonly TurnRows[]): Promise<WrittenTurn[]> {
  if (batch.length === 0) return [];
  const json = (value: unknown) => JSON.stringify(value);
  const turns = batch.map(({ turn, claim }, n) => ({
    n,
    contactId: turn.contact.id,
    channel: turn.from.channel,
    externalId: turn.from.externalId,
    lane: turn.lane,
    at: turn.now,
    optedOut: turn.result.contact.optedOut,
    claim,
    settleId: turn.settles?.followUpId ?? null,
    settleStatus: turn.settles?.status ?? null,
    settleUntil: turn.settles?.status === "pending" ? turn.settles.until : null,
  }));
  const conversations = batch.flatMap(({ conversations }, n) =>
    conversations.map(({ id, isNew, state }) => ({
      n,
      id,
      isNew,
      flowId: state.flowId,
      flowVersion: state.flowVersion,
      stepId: state.stepId,
      visit: state.visit,
      stage: state.stage,
      status: state.status,
      state: {
        v: 1,
        vars: state.vars,
        attempts: state.attempts,
        answer: state.answer ?? null,
        ...(state.order ? { order: state.order } : {}),
        ...(state.event ? { event: state.event } : {}),
        ...(state.startedAt ? { startedAt: state.startedAt } : {}),
        ...(state.goalReachedAt ? { goalReachedAt: state.goalReachedAt } : {}),
        ...(state.repeatedAfterFaq !== undefined ? { repeatedAfterFaq: state.repeatedAfterFaq } : {}),
      },
    })),
  );
  const contacts = batch.flatMap(({ turn, contactUpdate }) => (contactUpdate ? [contactRow(turn, contactUpdate.currentId)] : []));
  const planned = batch.flatMap(({ planned }) =>
    planned.map(({ id, conversationId, visit, stepId, index, dueAt, marketing }) => ({
      id,
      conversationId,
      visit,
      stepId,
      index,
      dueAt,
      marketing: marketing !== false,
    })),
  );
  const events = batch.flatMap(({ events }, n) =>
    events.map(({ conversationId, type, version, data }) => ({ n, conversationId, type, version, data })),
  );
  const outbox = batch.flatMap(({ outbox }, n) => outbox.map((o) => ({ n, ...o })));
  const rows = await run<{ kind: "cancelled" | "claimed"; n: number; id: string; dedupeKey: string | null }>(Prisma.sql`
    WITH turn AS (
      SELECT * FROM jsonb_to_recordset(${json(turns)}::jsonb) AS x(
        n int, "contactId" uuid, channel text, "externalId" text, lane text, at timestamp(3), "optedOut" boolean, claim boolean,
        "settleId" text, "settleStatus" text, "settleUntil" timestamp(3))),
    conv AS (
      SELECT * FROM jsonb_to_recordset(${json(conversations)}::jsonb) AS x(
        n int, id uuid, "isNew" boolean, "flowId" text, "flowVersion" text, "stepId" text, visit int, stage text, status text, state jsonb)),
    conv_created AS (
      INSERT INTO "Conversation" (id, "contactId", "flowId", "flowVersion", "stepId", visit, stage, status, state, channel, "createdAt", "updatedAt")
      SELECT conv.id, turn."contactId", "flowId", "flowVersion", "stepId", visit, stage, status, state, turn.channel, turn.at, turn.at
      FROM conv JOIN turn USING (n) WHERE "isNew"),
    conv_updated AS (
      UPDATE "Conversation" c SET "flowVersion" = conv."flowVersion", "stepId" = conv."stepId", visit = conv.visit, stage = conv.stage,
        status = conv.status, state = conv.state, channel = turn.channel, "updatedAt" = turn.at
      FROM conv JOIN turn USING (n) WHERE NOT conv."isNew" AND c.id = conv.id),
    contact_updated AS (
      UPDATE "Contact" c SET "firstName" = x."firstName", "lastName" = x."lastName", username = x.username, phone = x.phone, email = x.email,
        timezone = x.timezone,
        "firstSource" = x."firstSource", "lastSource" = x."lastSource", "consentVersion" = x."consentVersion", "consentAt" = x."consentAt",
        "consentChannel" = x."consentChannel", fields = x.fields, tags = x.tags, "optedOut" = x."optedOut",
        "surveysSentAt" = x."surveysSentAt", "currentConversationId" = x."currentConversationId", "updatedAt" = x."updatedAt"
      FROM jsonb_to_recordset(${json(contacts)}::jsonb) AS x(
        id uuid, "firstName" text, "lastName" text, username text, phone text, email text, timezone text, "firstSource" text, "lastSource" text,
        "consentVersion" text, "consentAt" timestamp(3), "consentChannel" text, fields jsonb, tags text[], "optedOut" boolean,
        "surveysSentAt" jsonb, "currentConversationId" uuid, "updatedAt" timestamp(3))
      WHERE c.id = x.id),
    -- The follow-ups the turns fire, skip or postpone (due again at "settleUntil"). The cancelling
    -- CTE leaves them alone: one statement must not update a row twice.
    settled AS (
      UPDATE "FollowUp" f SET status = turn."settleStatus", "dueAt" = coalesce(turn."settleUntil", f."dueAt"),
        "settledAt" = CASE WHEN turn."settleUntil" IS NULL THEN turn.at END
      FROM turn WHERE f.id = turn."settleId"),
    -- Follow-ups of the visits left: of every conversation after /stop, else of each changed
    -- conversation whose visit moved on or that ended.
    cancelled AS (
      UPDATE "FollowUp" f SET status = 'cancelled', "settledAt" = turn.at
      FROM turn JOIN "Conversation" v ON v."contactId" = turn."contactId"
      WHERE f."conversationId" = v.id AND f.status = 'pending'
        AND (turn."optedOut" OR EXISTS (SELECT 1 FROM conv WHERE conv.id = f."conversationId" AND (conv.status <> 'active' OR conv.visit <> f.visit)))
        AND NOT EXISTS (SELECT 1 FROM turn s WHERE s."settleId" = f.id)
      RETURNING f.id, turn.n),
    planned AS (
      INSERT INTO "FollowUp" (id, "conversationId", visit, "stepId", index, "dueAt", marketing)
      SELECT * FROM jsonb_to_recordset(${json(planned)}::jsonb)
        AS x(id text, "conversationId" uuid, visit int, "stepId" text, index int, "dueAt" timestamp(3), marketing boolean)
      ON CONFLICT DO NOTHING),
    events AS (
      INSERT INTO "Event" ("contactId", "conversationId", type, version, data, "createdAt")
      SELECT turn."contactId", x."conversationId", x.type, x.version, x.data, turn.at
      FROM ROWS FROM (jsonb_to_recordset(${json(events)}::jsonb) AS (n int, "conversationId" uuid, type text, version int, data jsonb))
          WITH ORDINALITY AS x(n, "conversationId", type, version, data, ord)
        JOIN turn USING (n)
      ORDER BY x.ord),
    claim AS (
      SELECT turn.n, turn.claim AND NOT EXISTS (
        SELECT 1 FROM "OutboxMessage" WHERE "contactId" = turn."contactId" AND status IN ('pending', 'sending')) AS ok
      FROM turn),
    outbox AS (
      INSERT INTO "OutboxMessage" ("dedupeKey", "contactId", "conversationId", channel, "externalId", payload, lane, status, attempts, "claimedAt", "createdAt")
      SELECT x."dedupeKey", turn."contactId", x."conversationId", turn.channel, turn."externalId", x.payload, turn.lane,
        CASE WHEN claim.ok THEN 'sending' ELSE 'pending' END, CASE WHEN claim.ok THEN 1 ELSE 0 END,
        CASE WHEN claim.ok THEN turn.at END, turn.at
      FROM ROWS FROM (jsonb_to_recordset(${json(outbox)}::jsonb) AS (n int, "dedupeKey" text, "conversationId" uuid, payload jsonb))
          WITH ORDINALITY AS x(n, "dedupeKey", "conversationId", payload, ord)
        JOIN turn USING (n) JOIN claim USING (n)
      ORDER BY x.ord
      ON CONFLICT DO NOTHING RETURNING id, "dedupeKey", status, "contactId")
    SELECT 'cancelled' AS kind, n, id, NULL AS "dedupeKey", 0::bigint AS position FROM cancelled
    UNION ALL
    SELECT 'claimed', turn.n, outbox.id::text, outbox."dedupeKey", outbox.id FROM outbox JOIN turn USING ("contactId")
    WHERE outbox.status = 'sending'
    ORDER BY kind, n, position`);
  return batch.map(({ turn, outbox }, n) => {
    const payloadOf = new Map(outbox.map((o) => [o.dedupeKey, o.payload]));
    const mine = rows.filter((row) => row.n === n);
    return {
      cancelled: mine.filter((row) => row.kind === "cancelled").map((row) => row.id),
      claimed: mine
        .filter((row) => row.kind === "claimed")
        .map((row) => ({
          id: BigInt(row.id),
          contactId: turn.contact.id,
          channel: turn.from.channel,
          externalId: turn.from.externalId,
          message: payloadOf.get(row.dedupeKey as string) as StoredMessage,
          dedupeKey: row.dedupeKey as string,
          lane: turn.lane,
          attempts: 1,
        })),
    };
  });
}

/** The contact row as the turn leaves it. */
function contactRow(turn: TurnToPersist, currentConversationId: string | null) {
  const c = turn.result.contact;
  return {
    id: turn.contact.id,
    firstName: c.first_name ?? null,
    lastName: c.last_name ?? null,
    username: c.username ?? null,
    phone: c.phone ?? null,
    email: c.email ?? null,
    timezone: c.timezone ?? null,
    firstSource: c.first_source ?? null,
    lastSource: c.last_source ?? null,
    consentVersion: c.consent?.version ?? null,
    consentAt: c.consent ? new Date(c.consent.at) : null,
    consentChannel: c.consent?.channel ?? null,
    fields: c.fields,
    tags: c.tags,
    optedOut: c.optedOut,
    surveysSentAt: c.surveys_sent ?? {},
    currentConversationId,
    updatedAt: turn.now,
  };
}
