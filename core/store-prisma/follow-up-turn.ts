import type { ChannelName } from "../model/channel-name.ts";
import type { FollowUpDecision } from "../runtime/conversation-store.ts";
import { type ContactState, loadContactState } from "./contact-state.ts";
import { eventRows } from "./event-rows.ts";
import { type Contact, Prisma } from "./generated/client.ts";
import { toConversationState } from "./row-mappers.ts";
import type { SqlRunner } from "./sql-runner.ts";
import type { TurnToPersist } from "./turn-to-persist.ts";

/** A pending follow-up as read under its contact's lock, with where the person wrote last. */
export interface DueFollowUp {
  id: string;
  conversationId: string;
  visit: number;
  stepId: string;
  index: number;
  /** The channel that still reaches the person and that they used last; null when none does. */
  channel: string | null;
  externalId: string | null;
  /** Marketing follow-ups sent to the contact in the last eight days (ms since 1970), for the frequency cap. */
  marketingSentAt: number[];
  /** When the person last wrote on that channel (ms since 1970: read as a number, so no time zone of the machine enters). */
  lastSeenMs: number | string | null;
}

/**
 * The select-list column of DueFollowUp.marketingSentAt for a row `v` with a "contactId": the
 * contact's marketing since `since` — follow-ups fired (indexed by conversation and status), and
 * win-backs and marketing triggers sent (`marketing_sent` events, indexed by contact and time).
 */
export function marketingSentColumn(since: Date): Prisma.Sql {
  return Prisma.sql`(SELECT coalesce(json_agg((extract(epoch FROM s.at) * 1000)::bigint), '[]'::json) FROM (
        SELECT m."settledAt" AS at FROM "FollowUp" m JOIN "Conversation" mv ON mv.id = m."conversationId"
        WHERE mv."contactId" = v."contactId" AND m.status = 'fired' AND m.marketing AND m."settledAt" >= ${since}
        UNION ALL
        SELECT e."createdAt" FROM "Event" e WHERE e."contactId" = v."contactId" AND e."createdAt" >= ${since} AND e.type = 'marketing_sent'
      ) s) AS "marketingSentAt"`;
}

/** How far back sent marketing counts: a week's cap, and a day's in any time zone. */
export const marketingWindowMs = 8 * 24 * 3600 * 1000;

/**
 * Locks the contact of a follow-up still pending and decides the follow-up's turn; null when it
 * is settled already, or is skipped because no channel reaches the person any more.
 */
export async function decideFollowUp(
  run: SqlRunner,
  followUpId: string,
  decide: FollowUpDecision,
  now: Date,
): Promise<TurnToPersist | null> {
  const [contact] = await run<Contact>(Prisma.sql`
    SELECT ct.* FROM "Contact" ct
    WHERE ct.id = (SELECT v."contactId" FROM "FollowUp" f JOIN "Conversation" v ON v.id = f."conversationId"
                   WHERE f.id = ${followUpId} AND f.status = 'pending')
    FOR UPDATE`);
  if (!contact) return null;
  const state = await loadContactState(run, contact);
  // Once the contact is locked the follow-up is read again: a concurrent run of the same job may
  // have settled it meanwhile.
  const [followUp] = await run<DueFollowUp>(Prisma.sql`
    SELECT f.id, f."conversationId", f.visit, f."stepId", f.index, i.channel, i."externalId",
      (extract(epoch FROM i."lastSeenAt") * 1000)::bigint AS "lastSeenMs",
      ${marketingSentColumn(new Date(now.getTime() - marketingWindowMs))}
    FROM "FollowUp" f JOIN "Conversation" v ON v.id = f."conversationId"
    LEFT JOIN LATERAL (SELECT channel, "externalId", "lastSeenAt" FROM "ChannelIdentity" WHERE "contactId" = ${contact.id}::uuid AND "blockedAt" IS NULL
                       ORDER BY "lastSeenAt" DESC LIMIT 1) i ON true
    WHERE f.id = ${followUpId} AND f.status = 'pending'`);
  if (!followUp) return null;
  const turn = followUpTurn(contact, state, followUp, decide, now);
  if (turn === "unreachable") await skipUnreachable(run, [followUpId], now);
  if (turn === "held") await holdFollowUps(run, [{ ...followUp, contactId: contact.id }], now);
  return turn === "unreachable" || turn === "held" ? null : turn;
}

/**
 * The turn of a due follow-up, decided on its contact's locked state; it goes where the person
 * wrote last. "unreachable" when no channel reaches them any more (the follow-up is skipped);
 * "held" while support staff have the conversation (it goes out once they hand it back).
 */
export function followUpTurn(
  contact: Contact,
  { context, conversations }: ContactState,
  followUp: DueFollowUp,
  decide: FollowUpDecision,
  now: Date,
): TurnToPersist | "unreachable" | "held" | null {
  const row = conversations.find((c) => c.id === followUp.conversationId);
  if (!row) return null;
  if (contact.handedOffAt) return "held";
  if (!followUp.channel || !followUp.externalId) return "unreachable";
  const channel = followUp.channel as ChannelName;
  const marketingSentAt = followUp.marketingSentAt.map(Number);
  const lastSeenAt = followUp.lastSeenMs === null ? undefined : new Date(Number(followUp.lastSeenMs)).toISOString();
  const result = decide({ ...context, conversation: toConversationState(row), followUp, channel, marketingSentAt, lastSeenAt });
  return {
    contact,
    conversations,
    result,
    from: { channel, externalId: followUp.externalId },
    keyBase: `fu-${followUp.id}`,
    setCurrent: false,
    lane: "bulk",
    now,
    settles: result.postponedUntil
      ? { followUpId: followUp.id, status: "pending", until: result.postponedUntil }
      : { followUpId: followUp.id, status: result.fired ? "fired" : "skipped" },
  };
}

/** Follow-ups nobody can be reached for any more are settled as skipped. */
export async function skipUnreachable(run: SqlRunner, followUpIds: string[], now: Date): Promise<void> {
  if (followUpIds.length === 0) return;
  await run(Prisma.sql`UPDATE "FollowUp" SET status = 'skipped', "settledAt" = ${now} WHERE id = ANY(${followUpIds}::text[])`);
}

/**
 * Follow-ups that came due while staff had the conversation wait, held, until it is handed back
 * (then they are due again, see support-handoff.ts); each hold is in the event log.
 */
export async function holdFollowUps(run: SqlRunner, held: Array<DueFollowUp & { contactId: string }>, now: Date): Promise<void> {
  if (held.length === 0) return;
  const events = held.flatMap((f) =>
    eventRows(
      f.contactId,
      [{ type: "followup_held", data: { visit: f.visit, stepId: f.stepId, index: f.index } }],
      () => f.conversationId,
      now,
    ),
  );
  await run(Prisma.sql`
    WITH held AS (UPDATE "FollowUp" SET status = 'held' WHERE id = ANY(${held.map((f) => f.id)}::text[]) AND status = 'pending' RETURNING id)
    INSERT INTO "Event" ("contactId", "conversationId", type, version, data, "createdAt")
    SELECT e."contactId", e."conversationId", e.type, e.version, e.data, e."createdAt"
    FROM jsonb_to_recordset(${JSON.stringify(events)}::jsonb) AS e("contactId" uuid, "conversationId" uuid, type text, version int, data jsonb, "createdAt" timestamp(3))`);
}
