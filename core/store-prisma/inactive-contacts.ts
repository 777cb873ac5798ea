import type { InactiveContact } from "../runtime/conversation-store.ts";
import { Prisma } from "./generated/client.ts";
import type { SqlRunner } from "./sql-runner.ts";

/** The receipt key of one silence's win-back: once per flow, contact and last message. */
export function winbackKey(flowId: string, contactId: string, lastSeenMs: number): string {
  return `inactive:${flowId}:${contactId}:${lastSeenMs}`;
}

/**
 * A page of contacts whose last message (on any channel) falls in [from, to), in the order of
 * that message, after `page.after`: read by the index on ChannelIdentity's lastSeenAt, so a scan
 * touches only the contacts of the window, not all of them. Those opted out, with support staff
 * or entered for this silence already are left out.
 */
export async function inactiveContacts(
  run: SqlRunner,
  flowId: string,
  window: { from: Date; to: Date },
  page: { after?: InactiveContact | undefined; limit: number },
): Promise<InactiveContact[]> {
  const after = page.after
    ? Prisma.sql`AND (i."lastSeenAt", i.id) > (${new Date(page.after.lastSeenMs)}, ${page.after.identityId}::uuid)`
    : Prisma.empty;
  const rows = await run<{ contactId: string; identityId: string; lastSeenMs: bigint | number }>(Prisma.sql`
    SELECT i."contactId", i.id AS "identityId", (extract(epoch FROM i."lastSeenAt") * 1000)::bigint AS "lastSeenMs"
    FROM "ChannelIdentity" i JOIN "Contact" c ON c.id = i."contactId"
    WHERE i."lastSeenAt" >= ${window.from} AND i."lastSeenAt" < ${window.to} ${after}
      AND NOT c."optedOut" AND c."handedOffAt" IS NULL
      AND NOT EXISTS (SELECT 1 FROM "ChannelIdentity" o WHERE o."contactId" = i."contactId" AND o."lastSeenAt" > i."lastSeenAt")
      AND NOT EXISTS (SELECT 1 FROM "InboundReceipt" r
                      WHERE r.key = 'inactive:' || ${flowId} || ':' || i."contactId" || ':' || (extract(epoch FROM i."lastSeenAt") * 1000)::bigint)
    ORDER BY i."lastSeenAt", i.id
    LIMIT ${page.limit}`);
  return rows.map((r) => ({ contactId: r.contactId, identityId: r.identityId, lastSeenMs: Number(r.lastSeenMs) }));
}
