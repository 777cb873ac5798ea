import type { AppliedTurn, FollowUpDecision } from "../runtime/conversation-store.ts";
import { contactState } from "./contact-state.ts";
import {
  type DueFollowUp,
  followUpTurn,
  holdFollowUps,
  marketingSentColumn,
  marketingWindowMs,
  skipUnreachable,
} from "./follow-up-turn.ts";
import { type Contact, type Conversation, Prisma } from "./generated/client.ts";
import { isPlainTurn, writeTurns } from "./persist-turn.ts";
import type { PgTransaction } from "./pg-transaction.ts";
import type { TurnToPersist } from "./turn-to-persist.ts";

/**
 * Settles a batch of due follow-ups in one transaction of five statements, however many there
 * are: their contacts locked (in id order, so two batches cannot deadlock), the contacts'
 * conversations and the follow-ups read under the locks, then every plain turn written at once.
 *
 * Answers for the follow-ups it settled, or found settled already (null). The rest it leaves
 * untouched, for the caller to apply one at a time: a second follow-up of a contact (it must see
 * the first one's turn), a turn with effects, one whose conversation a merge moved meanwhile.
 */
export async function applyFollowUpBatch(
  { run, commitWith }: PgTransaction,
  followUpIds: readonly string[],
  decide: FollowUpDecision,
  now: Date,
): Promise<Map<string, AppliedTurn | null>> {
  const ids = [...followUpIds];
  const contacts = await run<Contact>(Prisma.sql`
    SELECT ct.* FROM "Contact" ct
    WHERE ct.id IN (SELECT v."contactId" FROM "FollowUp" f JOIN "Conversation" v ON v.id = f."conversationId"
                    WHERE f.id = ANY(${ids}::text[]) AND f.status = 'pending')
    ORDER BY ct.id FOR UPDATE OF ct`);
  const contactIds = contacts.map((c) => c.id);
  // Both read under the locks, in one round trip.
  const [conversations, due] = await Promise.all([
    run<Conversation>(Prisma.sql`SELECT * FROM "Conversation" WHERE "contactId" = ANY(${contactIds}::uuid[])`),
    run<DueFollowUp & { contactId: string }>(Prisma.sql`
    SELECT f.id, f."conversationId", f.visit, f."stepId", f.index, v."contactId", i.channel, i."externalId",
      (extract(epoch FROM i."lastSeenAt") * 1000)::bigint AS "lastSeenMs",
      ${marketingSentColumn(new Date(now.getTime() - marketingWindowMs))}
    FROM "FollowUp" f JOIN "Conversation" v ON v.id = f."conversationId"
    LEFT JOIN LATERAL (SELECT channel, "externalId", "lastSeenAt" FROM "ChannelIdentity" WHERE "contactId" = v."contactId" AND "blockedAt" IS NULL
                       ORDER BY "lastSeenAt" DESC LIMIT 1) i ON true
    WHERE f.id = ANY(${ids}::text[]) AND f.status = 'pending'`),
  ]);
  const dueById = new Map(due.map((f) => [f.id, f]));
  const contactById = new Map(contacts.map((c) => [c.id, c]));
  const settled = new Map<string, AppliedTurn | null>();
  const unreachable: string[] = [];
  const held: Array<DueFollowUp & { contactId: string }> = [];
  const turns: TurnToPersist[] = [];
  const taken = new Set<string>();
  for (const id of ids) {
    const followUp = dueById.get(id);
    // Not pending any more (fired by another worker, cancelled by a turn): nothing to do.
    if (!followUp) {
      settled.set(id, null);
      continue;
    }
    const contact = contactById.get(followUp.contactId);
    if (!contact || taken.has(contact.id)) continue;
    taken.add(contact.id);
    const turn = followUpTurn(
      contact,
      contactState(
        contact,
        conversations.filter((c) => c.contactId === contact.id),
      ),
      followUp,
      decide,
      now,
    );
    if (turn === null || turn === "unreachable" || turn === "held") {
      if (turn === "unreachable") unreachable.push(id);
      if (turn === "held") held.push(followUp);
      settled.set(id, null);
    } else if (isPlainTurn(turn)) turns.push(turn);
  }
  // The skips, the holds, the turns and COMMIT in one round trip.
  const [, , applied] = await Promise.all([
    skipUnreachable(run, unreachable, now),
    holdFollowUps(run, held, now),
    writeTurns(
      commitWith,
      turns.map((turn) => ({ turn })),
    ),
  ]);
  for (const [n, turn] of turns.entries()) settled.set(turn.settles?.followUpId as string, applied[n] as AppliedTurn);
  return settled;
}
