import type { ChannelAddress } from "../runtime/conversation-store.ts";
import type { Prisma } from "./generated/client.ts";

type Tx = Prisma.TransactionClient;

/**
 * Locks a contact row for the rest of the transaction: turns of one contact apply one at a
 * time, also across processes. A contact deleted meanwhile (merged away) locks nothing.
 */
export async function lockContact(tx: Tx, contactId: string): Promise<void> {
  await tx.$queryRaw`SELECT id FROM "Contact" WHERE id = ${contactId}::uuid FOR UPDATE`;
}

/**
 * Locks the contact behind a channel address (`guess`: the contact it had a moment ago) and
 * notes that the person wrote from here now (reachable again, the channel used last). A merge
 * may have moved the address to another contact meanwhile, so it is checked under the lock.
 * Contact first, then identity: the order merges lock in, so the two cannot deadlock.
 */
export async function lockContactOf(tx: Tx, from: ChannelAddress, guess: string, now: Date): Promise<string> {
  for (let contactId = guess; ; ) {
    await lockContact(tx, contactId);
    const [identity] = await tx.$queryRaw<Array<{ contactId: string }>>`
      UPDATE "ChannelIdentity" SET "blockedAt" = NULL, "lastSeenAt" = ${now}
      WHERE channel = ${from.channel} AND "externalId" = ${from.externalId} RETURNING "contactId"`;
    if (!identity) throw new Error(`channel identity ${from.channel}:${from.externalId} vanished`);
    if (identity.contactId === contactId) return contactId;
    contactId = identity.contactId;
  }
}
