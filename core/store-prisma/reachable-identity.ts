import type { ChannelAddress } from "../runtime/conversation-store.ts";
import type { Prisma } from "./generated/client.ts";

/**
 * Where a turn that no message of the customer started (a payment, a staff reply) answers them:
 * the channel they wrote from last, one that still reaches them first; and when they wrote there.
 */
export async function reachableIdentity(
  tx: Prisma.TransactionClient,
  contactId: string,
): Promise<(ChannelAddress & { lastSeenAt: Date }) | undefined> {
  const [identity] = await tx.$queryRaw<Array<ChannelAddress & { lastSeenAt: Date }>>`
    SELECT channel, "externalId", "lastSeenAt" FROM "ChannelIdentity" WHERE "contactId" = ${contactId}::uuid
    ORDER BY ("blockedAt" IS NULL) DESC, "lastSeenAt" DESC LIMIT 1`;
  return identity;
}
