import type { Prisma } from "./generated/client.ts";

/**
 * Records the key of an inbound that is no channel message (a payment's news, a refund, a staff
 * message, a timer) in the turn's transaction. False when the key was seen before: that inbound
 * was handled already and must do nothing again.
 */
export async function recordReceipt(
  tx: Prisma.TransactionClient,
  key: string,
  channel: "payment" | "support" | "event",
  now: Date,
): Promise<boolean> {
  const [fresh] = await tx.$queryRaw<Array<{ key: string }>>`
    INSERT INTO "InboundReceipt" (key, channel, "receivedAt") VALUES (${key}, ${channel}, ${now})
    ON CONFLICT DO NOTHING RETURNING key`;
  return fresh !== undefined;
}
