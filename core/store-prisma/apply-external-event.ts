import type { ContactLookup } from "../model/external-event.ts";
import type { AppliedTurn, ExternalEventUnit } from "../runtime/conversation-store.ts";
import { loadContactState } from "./contact-state.ts";
import type { Contact, Prisma } from "./generated/client.ts";
import { persistTurn } from "./persist-turn.ts";
import { reachableIdentity } from "./reachable-identity.ts";
import { recordReceipt } from "./record-receipt.ts";
import { prismaRunner } from "./sql-runner.ts";
import type { TurnToPersist } from "./turn-to-persist.ts";

type Tx = Prisma.TransactionClient;

/**
 * An outside event as an inbound of its own, in one transaction: the contact found (only one
 * who wrote to us: we never write first), the event's key recorded (a repeat, even a concurrent
 * one, waits on the first and then does nothing), the contact locked and the turn written. An
 * unknown contact records nothing, so the same event may be sent again once they wrote to us.
 */
export async function applyExternalEvent(
  tx: Tx,
  unit: ExternalEventUnit,
  now: Date,
  settings: Pick<TurnToPersist, "payments" | "supportDesk" | "reviewLinkBase">,
): Promise<AppliedTurn | "duplicate" | "unknown_contact"> {
  const contactId = await findContact(tx, unit.lookup);
  const identity = contactId ? await reachableIdentity(tx, contactId) : undefined;
  if (!contactId || !identity) return "unknown_contact";
  if (!(await recordReceipt(tx, unit.key, "event", now))) return "duplicate";
  const [contact] = await tx.$queryRaw<Contact[]>`SELECT * FROM "Contact" WHERE id = ${contactId}::uuid FOR UPDATE`;
  if (!contact) return "unknown_contact";
  const { context, conversations } = await loadContactState(prismaRunner(tx), contact);
  const result = unit.decide({ ...context, channel: identity.channel });
  return persistTurn(tx, {
    contact,
    conversations,
    result,
    from: identity,
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
