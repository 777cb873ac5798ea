import { randomInt } from "node:crypto";
import type { Prisma } from "./generated/client.ts";
import { lockContact } from "./lock-contact.ts";
import { mergeContacts } from "./merge-contacts.ts";

type Tx = Prisma.TransactionClient;

/** How long a "link my accounts" code can be used. */
const linkCodeTtlMs = 60 * 60_000;

/** A new unguessable code (no 0/O, 1/I look-alikes) that links another account to this contact for an hour. */
export async function createLinkCode(tx: Tx, contactId: string, now: Date): Promise<string> {
  const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  for (;;) {
    const code = `link-${Array.from({ length: 6 }, () => alphabet[randomInt(alphabet.length)]).join("")}`;
    const created = await tx.accountLinkCode.createMany({
      data: [{ code, contactId, expiresAt: new Date(now.getTime() + linkCodeTtlMs) }],
      skipDuplicates: true,
    });
    if (created.count === 1) return code;
  }
}

/**
 * Redeems a link code sent from another account: this contact (locked) is merged into the one
 * that asked for the code, which is returned as `into`; an unknown or expired code gives `{}`.
 */
export async function redeemLinkCode(tx: Tx, code: string, contactId: string, now: Date): Promise<{ into?: string }> {
  const [row] = await tx.$queryRaw<Array<{ contactId: string }>>`
    DELETE FROM "AccountLinkCode" WHERE code = ${code} AND "expiresAt" > ${now} RETURNING "contactId"`;
  if (!row) return {};
  if (row.contactId !== contactId) {
    await lockContact(tx, row.contactId);
    await mergeContacts(tx, contactId, row.contactId, "link_code", now);
  }
  return { into: row.contactId };
}
