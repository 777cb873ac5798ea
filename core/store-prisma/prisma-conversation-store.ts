import { linkCodePlaceholder } from "../engine/account-link.ts";
import type { ChannelName, ConversationState, EngineResult, OutboundMessage } from "../engine/engine-types.ts";
import { withPromoCode } from "../engine/promo-code.ts";
import type {
  AppliedTurn,
  ChannelAddress,
  ContactProfile,
  ConversationStore,
  PendingOutbound,
  TurnContext,
} from "../runtime/conversation-store.ts";
import { createLinkCode, redeemLinkCode } from "./account-link-codes.ts";
import { type Contact, type Conversation, Prisma, type PrismaClient } from "./generated/client.ts";
import { issuePromoCode } from "./issue-promo-code.ts";
import { lockContact, lockContactOf } from "./lock-contact.ts";
import { mergeContacts } from "./merge-contacts.ts";
import { retryOnConflict } from "./retry-on-conflict.ts";
import { toContactView, toConversationState } from "./row-mappers.ts";

type Tx = Prisma.TransactionClient;

/** A sending row older than this was left by a crashed process and is sent again. */
const staleClaimMs = 60_000;
/** Row locks are waited for, not failed on, when a contact writes fast. */
const transactionOptions = { maxWait: 30_000, timeout: 30_000 };

/**
 * ConversationStore on PostgreSQL through Prisma (https://www.prisma.io/docs/orm/prisma-client/queries/transactions).
 * Per-contact ordering: every turn locks the contact row (`SELECT … FOR UPDATE`) inside its
 * transaction, so turns of one contact apply one at a time across processes.
 */
export class PrismaConversationStore implements ConversationStore {
  constructor(private readonly prisma: PrismaClient) {}

  async applyInbound(
    inboundKey: string,
    from: ChannelAddress,
    profile: ContactProfile,
    decide: (context: TurnContext) => EngineResult,
    linkCode?: string,
  ): Promise<AppliedTurn | null> {
    const resolved = await this.resolveContact(from, profile);
    return retryOnConflict(() =>
      this.prisma.$transaction(async (tx) => {
        const receipt = await tx.inboundReceipt.createMany({ data: [{ key: inboundKey, channel: from.channel }], skipDuplicates: true });
        if (receipt.count === 0) return null;
        let contactId = await lockContactOf(tx, from, resolved);
        const linkResult = linkCode ? await redeemLinkCode(tx, linkCode, contactId) : undefined;
        if (linkResult?.into) contactId = linkResult.into;
        const { context, contact, conversations } = await this.load(tx, contactId);
        const result = decide(linkResult ? { ...context, linkResult: linkResult.into ? "linked" : "invalid" } : context);
        return this.persist(tx, { contact, conversations, result, from, keyBase: inboundKey, setCurrent: true });
      }, transactionOptions),
    );
  }

  async applyFollowUp(followUpId: string, decide: Parameters<ConversationStore["applyFollowUp"]>[1]): Promise<AppliedTurn | null> {
    const planned = await this.prisma.followUp.findUnique({ where: { id: followUpId }, include: { conversation: true } });
    if (planned?.status !== "pending") return null;
    return retryOnConflict(() =>
      this.prisma.$transaction(async (tx) => {
        await lockContact(tx, planned.conversation.contactId);
        const { context, contact, conversations } = await this.load(tx, planned.conversation.contactId);
        // Re-read under the lock: a concurrent run of the same job may have settled it.
        const followUp = await tx.followUp.findUnique({ where: { id: followUpId } });
        const row = conversations.find((c) => c.id === planned.conversationId);
        if (followUp?.status !== "pending" || !row) return null;
        // A follow-up goes where the person wrote last (of the channels that still reach them).
        const identity = await tx.channelIdentity.findFirst({
          where: { contactId: contact.id, blockedAt: null },
          orderBy: { lastSeenAt: "desc" },
        });
        if (!identity) {
          await tx.followUp.update({ where: { id: followUpId }, data: { status: "skipped", settledAt: new Date() } });
          return null;
        }
        const channel = identity.channel as ChannelName;
        const result = decide({ ...context, conversation: toConversationState(row), followUp, channel });
        await tx.followUp.update({
          where: { id: followUpId },
          data: { status: result.fired ? "fired" : "skipped", settledAt: new Date() },
        });
        const from = { channel, externalId: identity.externalId };
        return this.persist(tx, { contact, conversations, result, from, keyBase: `fu-${followUpId}`, setCurrent: false });
      }, transactionOptions),
    );
  }

  async pendingFollowUps(dueBefore?: Date): Promise<Array<{ id: string; dueAt: Date }>> {
    return this.prisma.followUp.findMany({
      where: { status: "pending", ...(dueBefore ? { dueAt: { lt: dueBefore } } : {}) },
      select: { id: true, dueAt: true },
    });
  }

  async setBlocked(address: ChannelAddress, blocked: boolean): Promise<string[]> {
    return this.prisma.$transaction(async (tx) => {
      const identity = await tx.channelIdentity.findUnique({ where: { channel_externalId: address } });
      if (!identity) return [];
      await tx.channelIdentity.update({ where: { id: identity.id }, data: { blockedAt: blocked ? new Date() : null } });
      await tx.event.create({
        data: { contactId: identity.contactId, type: blocked ? "channel_blocked" : "channel_unblocked", data: { ...address } },
      });
      if (!blocked) return [];
      const pending = await tx.followUp.findMany({
        where: { status: "pending", conversation: { contactId: identity.contactId } },
        select: { id: true },
      });
      await tx.followUp.updateMany({
        where: { id: { in: pending.map((f) => f.id) } },
        data: { status: "cancelled", settledAt: new Date() },
      });
      return pending.map((f) => f.id);
    }, transactionOptions);
  }

  async claimNextOutbound(contactId: string): Promise<PendingOutbound | null> {
    const rows = await this.prisma.$queryRaw<
      Array<{ id: bigint; contactId: string; channel: string; externalId: string; payload: unknown; dedupeKey: string; attempts: number }>
    >`UPDATE "OutboxMessage" SET status = 'sending', attempts = attempts + 1, "claimedAt" = now(), "nextAttemptAt" = NULL
      WHERE id = (SELECT id FROM "OutboxMessage" o WHERE "contactId" = ${contactId}::uuid AND status = 'pending'
                    -- another process still sending to this contact goes first: order is kept across replicas
                    AND NOT EXISTS (SELECT 1 FROM "OutboxMessage" s WHERE s."contactId" = o."contactId" AND s.status = 'sending'
                                    AND s."claimedAt" > now() - make_interval(secs => ${staleClaimMs / 1000}))
                    -- a message waiting for its retry holds back itself and everything after it
                    AND NOT EXISTS (SELECT 1 FROM "OutboxMessage" w WHERE w."contactId" = o."contactId" AND w.status = 'pending'
                                    AND w.id <= o.id AND w."nextAttemptAt" > now())
                  ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
      RETURNING id, "contactId", channel, "externalId", payload, "dedupeKey", attempts`;
    const row = rows[0];
    if (!row) return null;
    return { ...row, channel: row.channel as ChannelName, message: row.payload as OutboundMessage };
  }

  async markSent(id: bigint): Promise<void> {
    await this.prisma.outboxMessage.update({ where: { id }, data: { status: "sent", sentAt: new Date(), lastError: null } });
  }

  async markFailed(id: bigint, error: string, retryAt?: Date): Promise<void> {
    await this.prisma.outboxMessage.update({
      where: { id },
      data: { status: retryAt ? "pending" : "failed", nextAttemptAt: retryAt ?? null, lastError: error.slice(0, 2000) },
    });
  }

  async contactsWithUnsent(): Promise<string[]> {
    await this.prisma.outboxMessage.updateMany({
      where: { status: "sending", claimedAt: { lt: new Date(Date.now() - staleClaimMs) } },
      data: { status: "pending" },
    });
    const rows = await this.prisma.outboxMessage.findMany({
      where: { status: "pending", OR: [{ nextAttemptAt: null }, { nextAttemptAt: { lte: new Date() } }] },
      distinct: ["contactId"],
      select: { contactId: true },
    });
    return rows.map((r) => r.contactId);
  }

  /** Finds or creates the contact behind a channel address; safe when two first messages race. */
  private async resolveContact(from: ChannelAddress, profile: ContactProfile): Promise<string> {
    const where = { channel_externalId: { channel: from.channel, externalId: from.externalId } };
    const existing = await this.prisma.channelIdentity.findUnique({ where });
    if (existing) return existing.contactId;
    try {
      const contact = await this.prisma.contact.create({
        data: {
          firstName: profile.first_name ?? null,
          lastName: profile.last_name ?? null,
          username: profile.username ?? null,
          identities: { create: { channel: from.channel, externalId: from.externalId } },
        },
      });
      return contact.id;
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
        const winner = await this.prisma.channelIdentity.findUnique({ where });
        if (winner) return winner.contactId;
      }
      throw error;
    }
  }

  /** The contact and its conversations as the engine sees them; the caller holds the contact's lock. */
  private async load(tx: Tx, contactId: string) {
    const contact = await tx.contact.findUniqueOrThrow({ where: { id: contactId } });
    const conversations = await tx.conversation.findMany({ where: { contactId } });
    const current = conversations.find((c) => c.id === contact.currentConversationId);
    const context: TurnContext = {
      contact: toContactView(contact),
      conversations: conversations.map(toConversationState),
      currentFlowId: current?.flowId ?? null,
    };
    return { context, contact, conversations };
  }

  private async persist(
    tx: Tx,
    turn: {
      contact: Contact;
      conversations: Conversation[];
      result: EngineResult;
      from: ChannelAddress;
      keyBase: string;
      setCurrent: boolean;
    },
  ): Promise<AppliedTurn> {
    const { contact, result, from } = turn;
    const idByFlow = new Map(turn.conversations.map((c) => [c.flowId, c.id]));
    const visitByFlow = new Map<string, ConversationState>();

    for (const state of result.conversations) {
      const data = {
        flowVersion: state.flowVersion,
        stepId: state.stepId,
        visit: state.visit,
        stage: state.stage,
        status: state.status,
        state: { v: 1, vars: state.vars, attempts: state.attempts, answer: state.answer ?? null } as Prisma.InputJsonValue,
        channel: from.channel,
      };
      const saved = await tx.conversation.upsert({
        where: { contactId_flowId: { contactId: contact.id, flowId: state.flowId } },
        create: { contactId: contact.id, flowId: state.flowId, ...data },
        update: data,
      });
      idByFlow.set(state.flowId, saved.id);
      visitByFlow.set(state.flowId, state);
    }

    const currentId =
      turn.setCurrent && result.currentFlowId ? (idByFlow.get(result.currentFlowId) ?? null) : contact.currentConversationId;
    if (result.contactChanged || currentId !== contact.currentConversationId) {
      const c = result.contact;
      await tx.contact.update({
        where: { id: contact.id },
        data: {
          firstName: c.first_name ?? null,
          lastName: c.last_name ?? null,
          username: c.username ?? null,
          phone: c.phone ?? null,
          email: c.email ?? null,
          firstSource: c.first_source ?? null,
          lastSource: c.last_source ?? null,
          consentVersion: c.consent?.version ?? null,
          consentAt: c.consent ? new Date(c.consent.at) : null,
          consentChannel: c.consent?.channel ?? null,
          fields: c.fields as Prisma.InputJsonValue,
          tags: c.tags,
          optedOut: c.optedOut,
          currentConversationId: currentId,
        },
      });
    }

    // Follow-ups of a visit the contact left (or of everything, after /stop) are cancelled.
    const left = [...visitByFlow.values()].map((s) => ({
      conversationId: idByFlow.get(s.flowId) as string,
      ...(s.status === "active" ? { visit: { not: s.visit } } : {}),
    }));
    const cancelWhere: Prisma.FollowUpWhereInput = result.contact.optedOut
      ? { status: "pending", conversation: { contactId: contact.id } }
      : { status: "pending", OR: left.length ? left : [{ id: "" }] };
    const cancelled = await tx.followUp.findMany({ where: cancelWhere, select: { id: true } });
    if (cancelled.length) {
      await tx.followUp.updateMany({
        where: { id: { in: cancelled.map((f) => f.id) } },
        data: { status: "cancelled", settledAt: new Date() },
      });
    }

    const schedule = result.contact.optedOut
      ? []
      : result.followUps
          .filter((f) => visitByFlow.get(f.flowId)?.visit === f.visit && visitByFlow.get(f.flowId)?.status === "active")
          .map((f) => {
            const conversationId = idByFlow.get(f.flowId) as string;
            return {
              id: `${conversationId}-${f.visit}-${f.index}`,
              conversationId,
              visit: f.visit,
              stepId: f.stepId,
              index: f.index,
              dueAt: f.dueAt,
              heldBackFrom: f.heldBackFrom,
            };
          });
    if (schedule.length) await tx.followUp.createMany({ data: schedule.map(({ heldBackFrom: _, ...row }) => row), skipDuplicates: true });

    const conversationOf = (flowId: string | null | undefined) => (flowId ? (idByFlow.get(flowId) ?? null) : currentId);
    if (result.events.length) {
      await tx.event.createMany({
        data: result.events.map((e) => ({
          contactId: contact.id,
          conversationId: conversationOf(e.flowId),
          type: e.type,
          data: { ...e.data, ...(e.type === "message_in" ? { key: turn.keyBase, channel: from.channel } : {}) } as Prisma.InputJsonValue,
        })),
      });
    }
    const { outbound, exhaustedPromoPools } = await this.fillInCodes(tx, contact.id, result.outbound, conversationOf);
    if (outbound.length) {
      await tx.outboxMessage.createMany({
        data: outbound.map((o, index) => ({
          dedupeKey: `${turn.keyBase}#${index}`,
          contactId: contact.id,
          conversationId: conversationOf(o.flowId),
          channel: from.channel,
          externalId: from.externalId,
          payload: o.message as unknown as Prisma.InputJsonValue,
        })),
        skipDuplicates: true,
      });
    }
    return {
      contactId: await this.joinSamePerson(tx, contact, result.contact),
      schedule: schedule.map(({ id, dueAt, heldBackFrom }) => (heldBackFrom ? { id, dueAt, heldBackFrom } : { id, dueAt })),
      cancel: cancelled.map((f) => f.id),
      ...(exhaustedPromoPools.length ? { exhaustedPromoPools } : {}),
    };
  }

  /**
   * Puts into the messages the codes only the store can make: promo codes and "link my
   * accounts" codes, issued inside the turn's transaction, so a failed turn issues none.
   */
  private async fillInCodes(
    tx: Tx,
    contactId: string,
    outbound: EngineResult["outbound"],
    conversationOf: (flowId: string | null) => string | null,
  ): Promise<{ outbound: EngineResult["outbound"]; exhaustedPromoPools: string[] }> {
    const exhaustedPromoPools: string[] = [];
    const filled: EngineResult["outbound"] = [];
    for (const o of outbound) {
      if (o.message.linkCode) {
        const { linkCode: _flag, ...message } = o.message;
        const code = await createLinkCode(tx, contactId);
        filled.push({ ...o, message: { ...message, text: message.text.replace(linkCodePlaceholder, code) } });
      } else if (o.message.promo) {
        const { pool } = o.message.promo;
        const code = await issuePromoCode(tx, pool, contactId);
        if (code === undefined) exhaustedPromoPools.push(pool);
        await tx.event.create({
          data: {
            contactId,
            conversationId: conversationOf(o.flowId),
            type: code === undefined ? "promo_pool_exhausted" : "promo_issued",
            data: { pool, ...(code ? { code } : {}) },
          },
        });
        filled.push({ ...o, message: withPromoCode(o.message, code) });
      } else {
        filled.push(o);
      }
    }
    return { outbound: filled, exhaustedPromoPools };
  }

  /** A phone or email this turn gave that another contact has: one person, one contact. Returns the contact that remains. */
  private async joinSamePerson(tx: Tx, before: Contact, after: EngineResult["contact"]): Promise<string> {
    const newPhone = after.phone && after.phone !== before.phone ? after.phone : undefined;
    const newEmail = after.email && after.email !== before.email ? after.email : undefined;
    if (!newPhone && !newEmail) return before.id;
    const [same] = await tx.$queryRaw<Array<{ id: string }>>`
      SELECT id FROM "Contact" WHERE id <> ${before.id}::uuid AND (phone = ${newPhone ?? null} OR email = ${newEmail ?? null})
      ORDER BY "createdAt" LIMIT 1 FOR UPDATE`;
    if (!same) return before.id;
    await mergeContacts(tx, before.id, same.id, newPhone ? "phone" : "email");
    return same.id;
  }
}
