import type { AppliedTurn, InactivityUnit } from "../runtime/conversation-store.ts";
import { loadContactState } from "./contact-state.ts";
import { marketingSentColumn, marketingWindowMs } from "./follow-up-turn.ts";
import type { Contact, Prisma } from "./generated/client.ts";
import { winbackKey } from "./inactive-contacts.ts";
import { persistTurn } from "./persist-turn.ts";
import { reachableIdentity } from "./reachable-identity.ts";
import { recordReceipt } from "./record-receipt.ts";
import { prismaRunner } from "./sql-runner.ts";
import type { TurnToPersist } from "./turn-to-persist.ts";

/**
 * One contact of the win-back scan, in one transaction under the contact's lock (so replicas
 * scanning at once enter them once): still silent since the same message, not entered for it
 * yet, then the turn `decide` gives. "later" (quiet hours, the cap) writes nothing, so the next
 * scan asks again; any other outcome records the silence as handled. "stale" when they wrote
 * meanwhile or another scan was first.
 */
export async function applyInactivityEntry(
  tx: Prisma.TransactionClient,
  unit: InactivityUnit,
  now: Date,
  settings: Pick<TurnToPersist, "payments" | "supportDesk" | "reviewLinkBase">,
): Promise<AppliedTurn | "later" | "stale"> {
  const [contact] = await tx.$queryRaw<Contact[]>`SELECT * FROM "Contact" WHERE id = ${unit.contactId}::uuid FOR UPDATE`;
  if (!contact) return "stale";
  const key = winbackKey(unit.flowId, unit.contactId, unit.lastSeenMs);
  const [facts] = await tx.$queryRaw<Array<{ lastSeenMs: bigint | null; handled: boolean; marketingSentAt: Array<number | string> }>>`
    SELECT (SELECT (extract(epoch FROM max("lastSeenAt")) * 1000)::bigint FROM "ChannelIdentity" WHERE "contactId" = v."contactId") AS "lastSeenMs",
      EXISTS (SELECT 1 FROM "InboundReceipt" WHERE key = ${key}) AS handled,
      ${marketingSentColumn(new Date(now.getTime() - marketingWindowMs))}
    FROM (SELECT ${unit.contactId}::uuid AS "contactId") v`;
  if (!facts || facts.handled || Number(facts.lastSeenMs) !== unit.lastSeenMs) return "stale";
  const identity = await reachableIdentity(tx, contact.id);
  if (!identity) return "stale";
  const { context, conversations } = await loadContactState(prismaRunner(tx), contact);
  const result = unit.decide({
    ...context,
    channel: identity.channel,
    lastSeenAt: new Date(unit.lastSeenMs),
    marketingSentAt: facts.marketingSentAt.map(Number),
  });
  if (result.outcome === "later") return "later";
  await recordReceipt(tx, key, "event", now);
  return persistTurn(tx, {
    contact,
    conversations,
    result,
    from: identity,
    keyBase: key,
    setCurrent: result.outcome === "started",
    lane: "bulk",
    now,
    ...settings,
  });
}
