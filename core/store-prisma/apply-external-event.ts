import type { ContactLookup } from "../model/external-event.ts";
import type { AppliedTurn, ExternalEventUnit } from "../runtime/conversation-store.ts";
import { loadContactState } from "./contact-state.ts";
import { marketingSentColumn, marketingWindowMs } from "./follow-up-turn.ts";
import type { Contact, Prisma } from "./generated/client.ts";
import { persistTurn } from "./persist-turn.ts";
import { reachableIdentity } from "./reachable-identity.ts";
import { recordReceipt } from "./record-receipt.ts";
import { prismaRunner } from "./sql-runner.ts";
import type { TurnToPersist } from "./turn-to-persist.ts";

type Tx = Prisma.TransactionClient;

/**
 * An outside event as an inbound of its own, in one transaction: the contact found (only one
 * who wrote to us: we never write first) and locked, the event's key checked (a repeat does
 * nothing), the turn decided and written with the key. An unknown contact, or a turn that must
 * wait ("later"), records nothing, so the same event may be sent again.
 */
export async function applyExternalEvent(
  tx: Tx,
  unit: ExternalEventUnit,
  now: Date,
  settings: Pick<TurnToPersist, "payments" | "supportDesk" | "reviewLinkBase">,
): Promise<AppliedTurn | "duplicate" | "unknown_contact" | "later"> {
  const contactId = await findContact(tx, unit.lookup);
  const identity = contactId ? await reachableIdentity(tx, contactId) : undefined;
  if (!contactId || !identity) return "unknown_contact";
  // The contact's lock first: a repeat of the event, even a concurrent one, waits here and then
  // finds the receipt. The receipt is written only once the event did something, so one that
  // must wait (a marketing trigger at night) can be sent again with the same id.
  const [contact] = await tx.$queryRaw<Contact[]>`SELECT * FROM "Contact" WHERE id = ${contactId}::uuid FOR UPDATE`;
  if (!contact) return "unknown_contact";
  const [facts] = await tx.$queryRaw<Array<{ seen: boolean; marketingSentAt: Array<number | string> }>>`
    SELECT EXISTS (SELECT 1 FROM "InboundReceipt" WHERE key = ${unit.key}) AS seen,
      ${marketingSentColumn(new Date(now.getTime() - marketingWindowMs))}
    FROM (SELECT ${contactId}::uuid AS "contactId") v`;
  if (facts?.seen) return "duplicate";
  const { context, conversations } = await loadContactState(prismaRunner(tx), contact);
  const result = unit.decide({
    ...context,
    channel: identity.channel,
    marketingSentAt: (facts?.marketingSentAt ?? []).map(Number),
    lastSeenAt: identity.lastSeenAt.toISOString(),
  });
  if (result.later) return "later";
  await recordReceipt(tx, unit.key, "event", now);
  return persistTurn(tx, {
    contact,
    conversations,
    result,
    from: { channel: identity.channel, externalId: identity.externalId },
    keyBase: unit.key,
    setCurrent: true,
    lane: "reply",
    now,
    ...settings,
  });
}

/** The contact the lookup names; by phone or email (kept in E.164 and lower case), the one seen last when several have it. */
async function findContact(tx: Tx, lookup: ContactLookup): Promise<string | undefined> {
  const rows =
    lookup.by === "identity"
      ? await tx.$queryRaw<Array<{ id: string }>>`
          SELECT "contactId" AS id FROM "ChannelIdentity" WHERE channel = ${lookup.channel} AND "externalId" = ${lookup.externalId}`
      : lookup.by === "phone"
        ? await tx.$queryRaw<
            Array<{ id: string }>
          >`SELECT id FROM "Contact" WHERE phone = ${lookup.value} ORDER BY "updatedAt" DESC LIMIT 1`
        : lookup.by === "email"
          ? await tx.$queryRaw<Array<{ id: string }>>`
              SELECT id FROM "Contact" WHERE email = ${lookup.value} ORDER BY "updatedAt" DESC LIMIT 1`
          : await tx.$queryRaw<Array<{ id: string }>>`SELECT id FROM "Contact" WHERE id::text = ${lookup.value}`;
  return rows[0]?.id;
}
