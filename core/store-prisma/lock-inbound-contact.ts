import { randomUUID } from "node:crypto";
import type { ChannelAddress, ContactProfile } from "../runtime/conversation-store.ts";
import { type Contact, Prisma } from "./generated/client.ts";
import { lockContactOf } from "./lock-contact.ts";
import { prismaRunner, type SqlRunner } from "./sql-runner.ts";

type Tx = Prisma.TransactionClient;

interface LockedRow extends Contact {
  fresh: boolean;
  known: boolean;
  touched: boolean;
}

/**
 * The first step of an inbound's transaction, in one round trip for a returning customer:
 * records the inbound's key (a key seen before: `"duplicate"`, nothing else is done), locks the
 * contact behind the address and reads it, and notes that the person wrote from here now
 * (reachable again, the channel used last).
 *
 * The contact is locked before its identity is written, the order merges use, so the two
 * cannot deadlock. A first message creates the contact (and its identity) here; an address a
 * merge moved to another contact meanwhile is followed to it under its lock; a person whose
 * data was erased, writing again before the sweep removed the address, starts afresh.
 */
export async function lockInboundContact(
  tx: Tx,
  unit: { key: string; from: ChannelAddress; profile: ContactProfile },
  now: Date,
): Promise<Contact | "duplicate"> {
  const locked = await lockReturningContact(prismaRunner(tx), unit, now);
  if (locked.kind === "duplicate") return "duplicate";
  if (locked.kind === "locked") return locked.contact.erasedAt ? startAfresh(tx, unit, now) : locked.contact;
  // Not the everyday case: a first message, or an address that moved to another contact.
  const contactId = locked.kind === "moved" ? await followMovedAddress(tx, unit.from, now) : await createContact(tx, unit, now);
  return tx.contact.findUniqueOrThrow({ where: { id: contactId } });
}

/**
 * The everyday case of `lockInboundContact` in its one statement, on any transaction: the
 * contact locked and read, or why not (a redelivery; an address of nobody yet; an address that
 * moved to another contact meanwhile), for the caller to handle.
 */
export async function lockReturningContact(
  run: SqlRunner,
  { key, from }: { key: string; from: ChannelAddress },
  now: Date,
): Promise<{ kind: "locked"; contact: Contact } | { kind: "duplicate" | "unknown" | "moved" }> {
  const [row] = await run<LockedRow>(Prisma.sql`
    WITH receipt AS (
      INSERT INTO "InboundReceipt" (key, channel, "receivedAt") VALUES (${key}, ${from.channel}, ${now})
      ON CONFLICT DO NOTHING RETURNING key),
    identity AS (
      SELECT "contactId" FROM "ChannelIdentity" WHERE channel = ${from.channel} AND "externalId" = ${from.externalId}),
    locked AS (
      SELECT c.* FROM "Contact" c JOIN identity ON c.id = identity."contactId"
      WHERE EXISTS (SELECT 1 FROM receipt) FOR UPDATE OF c),
    touched AS (
      UPDATE "ChannelIdentity" i SET "blockedAt" = NULL, "lastSeenAt" = ${now} FROM locked
      WHERE i.channel = ${from.channel} AND i."externalId" = ${from.externalId} AND i."contactId" = locked.id
      RETURNING i.id)
    SELECT locked.*, EXISTS (SELECT 1 FROM receipt) AS fresh, EXISTS (SELECT 1 FROM identity) AS known,
           EXISTS (SELECT 1 FROM touched) AS touched
    FROM (SELECT 1) AS one LEFT JOIN locked ON true`);
  if (!row?.fresh) return { kind: "duplicate" };
  if (row.touched) return { kind: "locked", contact: contactOf(row) };
  return { kind: row.known ? "moved" : "unknown" };
}

function contactOf({ fresh: _fresh, known: _known, touched: _touched, ...contact }: LockedRow): Contact {
  return contact;
}

async function followMovedAddress(tx: Tx, from: ChannelAddress, now: Date): Promise<string> {
  const identity = await tx.channelIdentity.findUniqueOrThrow({ where: { channel_externalId: from } });
  return lockContactOf(tx, from, identity.contactId, now);
}

/**
 * A person who had their data erased in the chat writes again while their address still
 * waits for the confirmation to go (see erase-contact.ts): the address moves to a new contact,
 * so what they write now is not kept beside the erased one.
 */
async function startAfresh(tx: Tx, { from, profile }: { from: ChannelAddress; profile: ContactProfile }, now: Date): Promise<Contact> {
  const contact = await tx.contact.create({
    data: {
      firstName: profile.first_name ?? null,
      lastName: profile.last_name ?? null,
      username: profile.username ?? null,
      createdAt: now,
      updatedAt: now,
    },
  });
  await tx.channelIdentity.update({
    where: { channel_externalId: from },
    data: { contactId: contact.id, lastSeenAt: now, blockedAt: null },
  });
  return contact;
}

/**
 * A new contact with its identity, the identity first: when two first messages from one
 * address come at once, the second waits on the identity's unique index, writes nothing, and
 * locks the first one's contact instead.
 */
async function createContact(tx: Tx, { from, profile }: { from: ChannelAddress; profile: ContactProfile }, now: Date): Promise<string> {
  const id = randomUUID();
  const [created] = await tx.$queryRaw<Array<{ contactId: string }>>`
    WITH identity AS (
      INSERT INTO "ChannelIdentity" (id, "contactId", channel, "externalId", "createdAt", "lastSeenAt")
      VALUES (gen_random_uuid(), ${id}::uuid, ${from.channel}, ${from.externalId}, ${now}, ${now})
      ON CONFLICT (channel, "externalId") DO NOTHING RETURNING "contactId"),
    contact AS (
      INSERT INTO "Contact" (id, "firstName", "lastName", username, "createdAt", "updatedAt")
      SELECT "contactId", ${profile.first_name ?? null}, ${profile.last_name ?? null}, ${profile.username ?? null}, ${now}, ${now}
      FROM identity RETURNING id)
    SELECT id AS "contactId" FROM contact`;
  if (created) return created.contactId;
  return followMovedAddress(tx, from, now);
}
