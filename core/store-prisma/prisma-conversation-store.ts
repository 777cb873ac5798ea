import type pg from "pg";
import { z } from "zod";
import { safeText } from "../model/safe-text.ts";
import { type StoredMessage, storedMessageSchema } from "../model/stored-message.ts";
import { type OutboxChannel, supportChannel } from "../runtime/channel-sender.ts";
import type {
  AppliedTurn,
  ChannelAddress,
  ConversationStore,
  ExternalEventUnit,
  FollowUpDecision,
  InactiveContact,
  InactivityUnit,
  InboundUnit,
  PaymentDecision,
  PaymentUpdate,
  PendingOutbound,
  RejectedInboundUpdate,
  StaffDecision,
  StaffUnit,
  TurnContext,
} from "../runtime/conversation-store.ts";
import type { PaymentProviders, ProviderRefund } from "../runtime/payment-provider.ts";
import { redeemLinkCode } from "./account-link-codes.ts";
import { applyExternalEvent } from "./apply-external-event.ts";
import { applyInactivityEntry } from "./apply-inactivity-entry.ts";
import { applyStaffMessage, returnIdleHandoff } from "./apply-staff-message.ts";
import { contactState, conversationsAt, loadContactState } from "./contact-state.ts";
import { finishErasures } from "./erase-contact.ts";
import { writeEvent } from "./event-rows.ts";
import { applyFollowUpBatch } from "./follow-up-batch.ts";
import { decideFollowUp } from "./follow-up-turn.ts";
import { Prisma, type PrismaClient } from "./generated/client.ts";
import { inactiveContacts } from "./inactive-contacts.ts";
import { lockInboundContact, lockReturningContact } from "./lock-inbound-contact.ts";
import { isPlainTurn, persistTurn, writeTurn } from "./persist-turn.ts";
import { inPgTransaction, notPlain } from "./pg-transaction.ts";
import { recordRefund } from "./record-refund.ts";
import { retryOnConflict } from "./retry-on-conflict.ts";
import { settleOrder } from "./settle-order.ts";
import { pgRunner, prismaRunner } from "./sql-runner.ts";
import { insertSupportPost } from "./support-handoff.ts";

/** How much of a rejected update is kept. */
const rejectedBodyMaxLength = 64 * 1024;
/** A sending row older than this was left by a crashed process and is sent again. */
const staleClaimMs = 60_000;
/** Row locks are waited for, not failed on, when a contact writes fast. */
const transactionOptions = { maxWait: 30_000, timeout: 30_000 };

export interface PrismaConversationStoreOptions {
  /** Every timestamp the store writes or compares with comes from here (the simulator's clock is virtual). */
  clock?: () => Date;
  /**
   * The node-postgres pool behind `prisma` (PostgreSQL): an everyday inbound turn then runs on
   * one of its clients directly, without Prisma's interactive transaction (see sql-runner.ts).
   */
  pool?: pg.Pool | undefined;
  /** Who takes the money when a flow asks for a payment (none: a pay step says payment is unavailable). */
  payments?: PaymentProviders | undefined;
  /** Whether support staff take handoffs in a support group (SUPPORT_CHAT_ID); without it a handoff is only stored. */
  supportDesk?: boolean | undefined;
  /** The app's public URL, where review links are counted (/r/<id>); none: review buttons open the sites directly. */
  reviewLinkBase?: string | undefined;
}

/**
 * ConversationStore on PostgreSQL through Prisma (https://www.prisma.io/docs/orm/prisma-client/queries/transactions).
 * Per-contact ordering: every turn locks the contact row (`SELECT … FOR UPDATE`) inside its
 * transaction, so turns of one contact apply one at a time across processes.
 */
export class PrismaConversationStore implements ConversationStore {
  private readonly clock: () => Date;

  private readonly pool: pg.Pool | undefined;

  private readonly payments: PaymentProviders | undefined;

  private readonly supportDesk: boolean;

  private readonly reviewLinkBase: string | undefined;

  constructor(
    private readonly prisma: PrismaClient,
    options: PrismaConversationStoreOptions = {},
  ) {
    this.clock = options.clock ?? (() => new Date());
    this.pool = options.pool;
    this.payments = options.payments;
    this.supportDesk = options.supportDesk ?? false;
    this.reviewLinkBase = options.reviewLinkBase;
  }

  async applyInbound(unit: InboundUnit): Promise<AppliedTurn | null> {
    const { key, from } = unit;
    if (this.pool && !unit.before) {
      const pool = this.pool;
      const plain = await retryOnConflict(() => this.applyPlainInbound(pool, unit));
      if (plain !== notPlain) return plain;
    }
    return retryOnConflict(() =>
      this.prisma.$transaction(async (tx) => {
        const now = this.clock();
        const locked = await lockInboundContact(tx, unit, now);
        if (locked === "duplicate") return null;
        let contact = locked;
        let linkResult: TurnContext["linkResult"];
        if (unit.before?.type === "redeem_link_code") {
          const redeemed = await redeemLinkCode(tx, unit.before.code, contact.id, now);
          if (redeemed.into) contact = await tx.contact.findUniqueOrThrow({ where: { id: redeemed.into } });
          linkResult = redeemed.into ? "linked" : "invalid";
        }
        const { context, conversations } = await loadContactState(prismaRunner(tx), contact);
        const result = unit.decide(linkResult ? { ...context, linkResult } : context);
        return persistTurn(tx, {
          contact,
          conversations,
          result,
          from,
          keyBase: key,
          setCurrent: true,
          lane: "reply",
          now,
          payments: this.payments,
          supportDesk: this.supportDesk,
          reviewLinkBase: this.reviewLinkBase,
        });
      }, transactionOptions),
    );
  }

  /**
   * The everyday inbound — a returning customer, a turn without effects that joins no other
   * contact — on a node-postgres client: BEGIN, lock, load, write, COMMIT. Anything else is
   * rolled back untouched (`notPlain`) and goes the general way, through Prisma.
   */
  private async applyPlainInbound(pool: pg.Pool, unit: InboundUnit): Promise<AppliedTurn | null | typeof notPlain> {
    return inPgTransaction(pool, async ({ run, commitWith }) => {
      const now = this.clock();
      // The conversations are asked for right behind the lock, through the same address:
      // PostgreSQL reads them once the lock is granted, so they are the locked contact's latest.
      const [locked, conversations] = await Promise.all([lockReturningContact(run, unit, now), conversationsAt(run, unit.from)]);
      // An erased person writing again starts afresh: not the everyday case.
      if (locked.kind !== "locked" || locked.contact.erasedAt) return locked.kind === "duplicate" ? null : notPlain;
      const { context } = contactState(locked.contact, conversations);
      const turn = {
        contact: locked.contact,
        conversations,
        result: unit.decide(context),
        from: unit.from,
        keyBase: unit.key,
        setCurrent: true,
        lane: "reply" as const,
        now,
      };
      return isPlainTurn(turn) ? writeTurn(commitWith, turn) : notPlain;
    });
  }

  async isStrangerWithBadLinkCode(from: ChannelAddress, code: string): Promise<boolean> {
    const [row] = await this.prisma.$queryRaw<Array<{ stranger: boolean }>>`
      SELECT NOT EXISTS (SELECT 1 FROM "ChannelIdentity" WHERE channel = ${from.channel} AND "externalId" = ${from.externalId})
         AND NOT EXISTS (SELECT 1 FROM "AccountLinkCode" WHERE code = ${code} AND "expiresAt" > ${this.clock()}) AS stranger`;
    return row?.stranger === true;
  }

  async applyFollowUps(followUpIds: readonly string[], decide: FollowUpDecision): Promise<Array<AppliedTurn | null | Error>> {
    const pool = this.pool;
    const applied = new Map<string, AppliedTurn | null | Error>();
    let rest = [...new Set(followUpIds)];
    if (pool && rest.length > 1) {
      const batch = await retryOnConflict(() => inPgTransaction(pool, (tx) => applyFollowUpBatch(tx, rest, decide, this.clock())));
      if (batch !== notPlain) for (const [id, turn] of batch) applied.set(id, turn);
      rest = rest.filter((id) => !applied.has(id));
    }
    // One at a time: what the batch left (a second follow-up of one contact, a turn with effects).
    // A failure there fails that follow-up alone: what the batch committed still goes out.
    for (const id of rest) applied.set(id, await this.applyFollowUp(id, decide).catch((error: unknown) => asError(error)));
    // The same follow-up twice in one batch (a job run twice at once) is settled for one of them.
    const answered = new Set<string>();
    return followUpIds.map((id) => {
      if (answered.has(id)) return null;
      answered.add(id);
      return applied.get(id) ?? null;
    });
  }

  private async applyFollowUp(followUpId: string, decide: FollowUpDecision): Promise<AppliedTurn | null> {
    if (this.pool) {
      const pool = this.pool;
      const plain = await retryOnConflict(() =>
        inPgTransaction(pool, async ({ run, commitWith }) => {
          const turn = await decideFollowUp(run, followUpId, decide, this.clock());
          if (!turn) return null;
          return isPlainTurn(turn) ? writeTurn(commitWith, turn) : notPlain;
        }),
      );
      if (plain !== notPlain) return plain;
    }
    return retryOnConflict(() =>
      this.prisma.$transaction(async (tx) => {
        const turn = await decideFollowUp(prismaRunner(tx), followUpId, decide, this.clock());
        return turn
          ? persistTurn(tx, { ...turn, payments: this.payments, supportDesk: this.supportDesk, reviewLinkBase: this.reviewLinkBase })
          : null;
      }, transactionOptions),
    );
  }

  async applyPayment(update: PaymentUpdate, decide: PaymentDecision): Promise<AppliedTurn | null> {
    return retryOnConflict(() =>
      this.prisma.$transaction(
        (tx) =>
          settleOrder(tx, update, decide, this.clock(), {
            payments: this.payments,
            supportDesk: this.supportDesk,
            reviewLinkBase: this.reviewLinkBase,
          }),
        transactionOptions,
      ),
    );
  }

  async applyStaffMessage(unit: StaffUnit): Promise<AppliedTurn | "duplicate" | "unknown_topic"> {
    return retryOnConflict(() =>
      this.prisma.$transaction((tx) => applyStaffMessage(tx, unit, this.clock(), this.payments), transactionOptions),
    );
  }

  async applyExternalEvent(unit: ExternalEventUnit): Promise<AppliedTurn | "duplicate" | "unknown_contact" | "later"> {
    const settings = { payments: this.payments, supportDesk: this.supportDesk, reviewLinkBase: this.reviewLinkBase };
    return retryOnConflict(() =>
      this.prisma.$transaction((tx) => applyExternalEvent(tx, unit, this.clock(), settings), transactionOptions),
    );
  }

  async inactiveContacts(
    flowId: string,
    window: { from: Date; to: Date },
    page: { after?: InactiveContact | undefined; limit: number },
  ): Promise<InactiveContact[]> {
    return inactiveContacts(prismaRunner(this.prisma), flowId, window, page);
  }

  async finishErasures(): Promise<number> {
    return this.prisma.$transaction((tx) => finishErasures(tx));
  }

  async applyInactivityEntry(unit: InactivityUnit): Promise<AppliedTurn | "later" | "stale"> {
    const settings = { payments: this.payments, supportDesk: this.supportDesk, reviewLinkBase: this.reviewLinkBase };
    return retryOnConflict(() =>
      this.prisma.$transaction((tx) => applyInactivityEntry(tx, unit, this.clock(), settings), transactionOptions),
    );
  }

  async noteInSupport(contactId: string, text: string, dedupeKey: string): Promise<boolean> {
    return insertSupportPost(this.prisma, { contactId, message: { text, format: "plain" }, dedupeKey }, this.clock());
  }

  async remindSupport(waitingBefore: Date, text: (waitingSince: Date) => string): Promise<string[]> {
    const now = this.clock();
    return this.prisma.$transaction(async (tx) => {
      const waiting = await tx.$queryRaw<Array<{ id: string; contactId: string; lastCustomerAt: Date }>>`
        SELECT id, "contactId", "lastCustomerAt" FROM "SupportThread"
        WHERE status = 'open' AND "lastCustomerAt" <= ${waitingBefore}
          AND ("lastStaffAt" IS NULL OR "lastStaffAt" < "lastCustomerAt")
          AND ("remindedAt" IS NULL OR "remindedAt" < "lastCustomerAt")
        ORDER BY "lastCustomerAt" LIMIT 100 FOR UPDATE SKIP LOCKED`;
      for (const thread of waiting) {
        const since = thread.lastCustomerAt.toISOString();
        const reminder = { text: text(thread.lastCustomerAt), format: "plain" as const };
        await insertSupportPost(tx, { contactId: thread.contactId, message: reminder, dedupeKey: `remind:${thread.id}:${since}` }, now);
        await writeEvent(tx, thread.contactId, { type: "support_reminder_sent", data: { waitingSince: since } }, now);
        await tx.$executeRaw`UPDATE "SupportThread" SET "remindedAt" = ${now}, "updatedAt" = ${now} WHERE id = ${thread.id}::uuid`;
      }
      return waiting.map((thread) => thread.contactId);
    }, transactionOptions);
  }

  async idleHandoffs(idleBefore: Date, limit: number): Promise<string[]> {
    const rows = await this.prisma.$queryRaw<Array<{ contactId: string }>>`
      SELECT "contactId" FROM "SupportThread"
      WHERE status = 'open' AND greatest("openedAt", "lastCustomerAt", "lastStaffAt") < ${idleBefore} LIMIT ${limit}`;
    return rows.map((row) => row.contactId);
  }

  async returnIdleHandoff(contactId: string, idleBefore: Date, decide: StaffDecision): Promise<AppliedTurn | null> {
    return retryOnConflict(() =>
      this.prisma.$transaction((tx) => returnIdleHandoff(tx, contactId, idleBefore, decide, this.clock()), transactionOptions),
    );
  }

  async orderPayable(orderId: string, amount: number, currency: string) {
    const order = await this.prisma.order.findUnique({ where: { id: orderId }, select: { status: true, amount: true, currency: true } });
    if (!order) return "unknown" as const;
    if (order.status !== "pending") return "settled" as const;
    return order.amount === amount && order.currency === currency ? ("payable" as const) : ("changed" as const);
  }

  async openReviewLink(id: string): Promise<string | undefined> {
    const now = this.clock();
    return this.prisma.$transaction(async (tx) => {
      const [link] = await tx.$queryRaw<
        Array<{ url: string; label: string; surveyId: string | null; contactId: string; conversationId: string | null }>
      >`
        UPDATE "ReviewLink" SET clicks = clicks + 1, "firstClickedAt" = coalesce("firstClickedAt", ${now})
        WHERE id = ${id} RETURNING url, label, "surveyId", "contactId", "conversationId"`;
      if (!link) return undefined;
      const data = { linkId: id, label: link.label, ...(link.surveyId ? { surveyId: link.surveyId } : {}) };
      await writeEvent(tx, link.contactId, { type: "review_link_clicked", data }, now, link.conversationId);
      return link.url;
    });
  }

  async recordRefund(refund: ProviderRefund & { provider: string }): Promise<boolean> {
    const order = await this.prisma.order.findFirst({
      where: { provider: refund.provider, providerPaymentId: refund.providerPaymentId },
      select: { id: true, currency: true },
    });
    if (!order) return false;
    if (order.currency !== refund.currency) {
      throw new Error(`refund ${refund.refundId} is in ${refund.currency}, order ${order.id} was paid in ${order.currency}`);
    }
    const { recorded } = await recordRefund(
      this.prisma,
      { orderId: order.id, refundId: refund.refundId, amount: refund.amount },
      this.clock(),
    );
    return recorded;
  }

  async pendingFollowUps(
    dueBefore: Date | undefined,
    page: { after?: string | undefined; limit: number },
  ): Promise<Array<{ id: string; dueAt: Date }>> {
    return this.prisma.followUp.findMany({
      where: { status: "pending", ...(dueBefore ? { dueAt: { lt: dueBefore } } : {}), ...(page.after ? { id: { gt: page.after } } : {}) },
      select: { id: true, dueAt: true },
      orderBy: { id: "asc" },
      take: page.limit,
    });
  }

  async setBlocked(address: ChannelAddress, blocked: boolean): Promise<string[]> {
    return this.prisma.$transaction(async (tx) => {
      const now = this.clock();
      const identity = await tx.channelIdentity.findUnique({ where: { channel_externalId: address } });
      if (!identity) return [];
      await tx.channelIdentity.update({ where: { id: identity.id }, data: { blockedAt: blocked ? now : null } });
      await writeEvent(tx, identity.contactId, { type: blocked ? "channel_blocked" : "channel_unblocked", data: { ...address } }, now);
      if (!blocked) return [];
      const pending = await tx.followUp.findMany({
        where: { status: "pending", conversation: { contactId: identity.contactId } },
        select: { id: true },
      });
      await tx.followUp.updateMany({ where: { id: { in: pending.map((f) => f.id) } }, data: { status: "cancelled", settledAt: now } });
      return pending.map((f) => f.id);
    }, transactionOptions);
  }

  async rejectInbound(rejected: RejectedInboundUpdate): Promise<void> {
    await this.prisma.rejectedInbound.create({
      data: {
        channel: rejected.channel,
        key: rejected.key ?? null,
        reason: safeText(rejected.reason, 2000),
        body: safeText(rejected.body, rejectedBodyMaxLength),
        receivedAt: this.clock(),
      },
    });
  }

  async claimNextOutbound(contactId: string): Promise<PendingOutbound | null> {
    for (;;) {
      const claimed = await this.claimOne(contactId);
      if (!claimed) return null;
      const message = storedMessageSchema.safeParse(claimed.payload);
      if (message.success)
        return {
          ...claimed,
          channel: claimed.channel as OutboxChannel,
          lane: claimed.lane === "bulk" ? "bulk" : "reply",
          // A file or the card goes as it is; texts behind it wait for their own post.
          message:
            claimed.channel === supportChannel && !message.data.copy && !message.data.carry && !message.data.card
              ? await this.mergeSupportPosts(claimed.id, contactId, message.data)
              : message.data,
        };
      // A row nobody can read (written by hand, or by a version that wrote another shape) would
      // hold the contact's messages back for ever: it fails with the reason, the next one goes.
      await this.markFailed(claimed.id, `unreadable outbox payload: ${z.prettifyError(message.error)}`);
    }
  }

  /**
   * A support group takes about 20 posts a minute: posts for one customer's topic that queued up
   * behind the one claimed go out with it, as one post, instead of each waiting for a slot. The
   * claimed row takes their texts (so a retry sends them all), and they are marked `merged`.
   */
  private async mergeSupportPosts(id: bigint, contactId: string, first: StoredMessage): Promise<StoredMessage> {
    const now = this.clock();
    const merged = await this.prisma.$queryRaw<Array<{ text: string }>>`
      WITH queued AS (
        SELECT f.id FROM "OutboxMessage" f
        WHERE f."contactId" = ${contactId}::uuid AND f.id > ${id} AND f.status = 'pending' AND f.channel = ${supportChannel}
          AND f."nextAttemptAt" IS NULL AND f.payload->>'format' = ${first.format}
          AND NOT (f.payload ?| array['copy', 'carry', 'card'])
          -- only the run of texts right behind the claimed post: a file, the card or a message for the customer in between keeps the order
          AND NOT EXISTS (SELECT 1 FROM "OutboxMessage" b WHERE b."contactId" = f."contactId" AND b.id > ${id} AND b.id < f.id
                          AND (b.channel <> ${supportChannel} OR b.status <> 'pending' OR b.payload->>'format' <> ${first.format}
                               OR b.payload ?| array['copy', 'carry', 'card']))
        ORDER BY f.id FOR UPDATE SKIP LOCKED),
      done AS (
        UPDATE "OutboxMessage" o SET status = 'merged', "sentAt" = ${now}, "lastError" = ${`merged into ${id}`}
        FROM queued WHERE o.id = queued.id
        RETURNING o.id, o.payload->>'text' AS text)
      SELECT text FROM done ORDER BY id`;
    if (merged.length === 0) return first;
    const message = { ...first, text: [first.text, ...merged.map((row) => row.text)].join("\n\n") };
    await this.prisma.$executeRaw`UPDATE "OutboxMessage" SET payload = ${JSON.stringify(message)}::jsonb WHERE id = ${id}`;
    return message;
  }

  /** Claims the contact's next sendable row, as stored. */
  private async claimOne(contactId: string) {
    const now = this.clock();
    const staleBefore = new Date(now.getTime() - staleClaimMs);
    const rows = await this.prisma.$queryRaw<
      Array<{
        id: bigint;
        contactId: string;
        channel: string;
        externalId: string;
        payload: unknown;
        dedupeKey: string;
        lane: string;
        attempts: number;
      }>
    >`UPDATE "OutboxMessage" SET status = 'sending', attempts = attempts + 1, "claimedAt" = ${now}, "nextAttemptAt" = NULL
      WHERE id = (SELECT id FROM "OutboxMessage" o WHERE "contactId" = ${contactId}::uuid AND status = 'pending'
                    -- another process still sending to this contact goes first: order is kept across replicas
                    AND NOT EXISTS (SELECT 1 FROM "OutboxMessage" s WHERE s."contactId" = o."contactId" AND s.status = 'sending'
                                    AND s."claimedAt" > ${staleBefore})
                    -- a message waiting for its retry holds back itself and everything after it
                    AND NOT EXISTS (SELECT 1 FROM "OutboxMessage" w WHERE w."contactId" = o."contactId" AND w.status = 'pending'
                                    AND w.id <= o.id AND w."nextAttemptAt" > ${now})
                  ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
      RETURNING id, "contactId", channel, "externalId", payload, "dedupeKey", lane, attempts`;
    return rows[0] ?? null;
  }

  async markSent(id: bigint): Promise<{ morePending: boolean }> {
    // After every send: on the pool directly when there is one.
    const run = this.pool ? pgRunner(this.pool) : prismaRunner(this.prisma);
    const [row] = await run<{ morePending: boolean }>(Prisma.sql`
      UPDATE "OutboxMessage" o SET status = 'sent', "sentAt" = ${this.clock()}, "lastError" = NULL WHERE o.id = ${id}
      RETURNING EXISTS (SELECT 1 FROM "OutboxMessage" p WHERE p."contactId" = o."contactId" AND p.status = 'pending') AS "morePending"`);
    return { morePending: row?.morePending ?? false };
  }

  async releaseClaims(ids: bigint[]): Promise<void> {
    if (ids.length === 0) return;
    await this.prisma.outboxMessage.updateMany({
      where: { id: { in: ids }, status: "sending" },
      data: { status: "pending", claimedAt: null, attempts: { decrement: 1 } },
    });
  }

  async markFailed(id: bigint, error: string, retryAt?: Date): Promise<void> {
    await this.prisma.outboxMessage.update({
      where: { id },
      data: { status: retryAt ? "pending" : "failed", nextAttemptAt: retryAt ?? null, lastError: error.slice(0, 2000) },
    });
  }

  async ordersToReconcile(untouchedSince: Date, limit: number) {
    return this.prisma.$queryRaw<Array<{ orderId: string; provider: string; providerPaymentId: string }>>`
      UPDATE "Order" SET "updatedAt" = ${this.clock()}
      WHERE id IN (SELECT id FROM "Order" WHERE status = 'pending' AND "updatedAt" < ${untouchedSince} AND "providerPaymentId" IS NOT NULL
                   ORDER BY "updatedAt" LIMIT ${limit} FOR UPDATE SKIP LOCKED)
      RETURNING id AS "orderId", provider, "providerPaymentId"`;
  }

  async contactsWithUnsent(): Promise<string[]> {
    const now = this.clock();
    await this.prisma.outboxMessage.updateMany({
      where: { status: "sending", claimedAt: { lt: new Date(now.getTime() - staleClaimMs) } },
      data: { status: "pending" },
    });
    const rows = await this.prisma.outboxMessage.findMany({
      where: { status: "pending", OR: [{ nextAttemptAt: null }, { nextAttemptAt: { lte: now } }] },
      distinct: ["contactId"],
      select: { contactId: true },
    });
    return rows.map((r) => r.contactId);
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
