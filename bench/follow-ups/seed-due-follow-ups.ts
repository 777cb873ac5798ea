import type pg from "pg";

/**
 * `count` contacts waiting at the reminder flow's first step, each with its follow-up falling due
 * between `from` and `from + spreadMs`, written straight into the database (as many turns would
 * have left them). Addresses are `${prefix}${n}`; Telegram needs numbers, so `prefix` may be "".
 */
export async function seedDueFollowUps(
  db: pg.Client,
  seed: { count: number; channel: "web" | "telegram"; firstAddress: number; from: number; spreadMs: number },
): Promise<void> {
  const { rows } = await db.query<{ version: string }>(
    `SELECT version FROM "FlowVersion" WHERE "flowId" = 'reminder' ORDER BY "createdAt" DESC LIMIT 1`,
  );
  const version = rows[0]?.version;
  if (!version) throw new Error("the reminder flow is not registered: start the app once first");
  await db.query(
    `WITH c AS (INSERT INTO "Contact" (id, "createdAt", "updatedAt", fields, tags)
                SELECT gen_random_uuid(), now(), now(), '{}', '{}' FROM generate_series(1, $1) RETURNING id),
          numbered AS (SELECT id, $3::bigint + row_number() OVER () AS address FROM c),
          i AS (INSERT INTO "ChannelIdentity" (id, "contactId", channel, "externalId", "createdAt", "lastSeenAt")
                SELECT gen_random_uuid(), id, $2, address::text, now(), now() FROM numbered RETURNING "contactId"),
          v AS (INSERT INTO "Conversation" (id, "contactId", "flowId", "flowVersion", "stepId", visit, status, state, channel, "createdAt", "updatedAt")
                SELECT gen_random_uuid(), "contactId", 'reminder', $4, 'hello', 1, 'active', '{"v":1,"vars":{},"attempts":0,"answer":null}', $2,
                       now(), now() FROM i RETURNING id)
     INSERT INTO "FollowUp" (id, "conversationId", visit, "stepId", index, "dueAt")
     SELECT id || '-1-0', id, 1, 'hello', 0, to_timestamp(($5 + random() * $6) / 1000.0) AT TIME ZONE 'UTC' FROM v`,
    [seed.count, seed.channel, seed.firstAddress, version, seed.from, seed.spreadMs],
  );
}
