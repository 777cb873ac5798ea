import type { Prisma } from "./generated/client.ts";

type Tx = Prisma.TransactionClient;

/**
 * The contact's code from the pool: the one it already has, or a free one taken with
 * `FOR UPDATE SKIP LOCKED`, so concurrent turns of different contacts never take the same row
 * (turns of one contact are serial: its row is locked). Undefined when the pool is empty.
 */
export async function issuePromoCode(tx: Tx, pool: string, contactId: string, now: Date): Promise<string | undefined> {
  const mine = await tx.promoCode.findUnique({ where: { pool_contactId: { pool, contactId } } });
  if (mine) return mine.code;
  const taken = await tx.$queryRaw<Array<{ code: string }>>`
    UPDATE "PromoCode" SET "contactId" = ${contactId}::uuid, "issuedAt" = ${now}
    WHERE id = (SELECT id FROM "PromoCode" WHERE pool = ${pool} AND "contactId" IS NULL ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
    RETURNING code`;
  return taken[0]?.code;
}
