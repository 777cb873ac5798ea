import DataLoader from "dataloader";
import { linkCodeIn } from "../engine/account-link.ts";
import type { Engine } from "../engine/engine.ts";
import type { EventEntryOutcome } from "../engine/event-entry.ts";
import type { StaffMember } from "../engine/staff-reply.ts";
import type { ExternalEvent } from "../model/external-event.ts";
import type { InboundEvent, MessageRef } from "../model/inbound-event.ts";
import type { OutboundMessage } from "../model/outbound-message.ts";
import { safeText } from "../model/safe-text.ts";
import type { SharedFile } from "../model/shared-file.ts";
import { fromStoredMessage } from "../model/stored-message.ts";
import type { AttemptLimiter } from "./attempt-limiter.ts";
import { type ChannelSender, supportChannel } from "./channel-sender.ts";
import type {
  AppliedTurn,
  ChannelAddress,
  ContactProfile,
  ConversationStore,
  InactiveContact,
  PaymentUpdate,
  PendingOutbound,
  RejectedInboundUpdate,
  SupportTopic,
} from "./conversation-store.ts";
import type { FollowUpScheduler } from "./follow-up-scheduler.ts";
import { keepTrying, markSentPatience } from "./keep-trying.ts";
import { MessageRejectedError } from "./message-rejected-error.ts";
import type { PaymentProviders, ProviderRefund } from "./payment-provider.ts";
import { RecipientUnreachableError } from "./recipient-unreachable-error.ts";
import { RetryLaterError } from "./retry-later-error.ts";
import { safeEvent, safeProfile } from "./safe-inbound.ts";

/** Contacts the win-back scan reads per query. */
const inactivityPageSize = 500;
/** How much longer than a flow's `inactive:` a silence may be and still be caught (see scanInactivity). */
export const winbackLookbackMs = 7 * 24 * 3600 * 1000;
/** Pending follow-ups re-armed per round trip to PostgreSQL and per Redis pipeline. */
export const rearmPageSize = 1_000;
/** A pending follow-up this far past its time has lost its timer. */
const overdueAfterMs = 60_000;
const timerUpdateTimeoutMs = 5_000;
/** A pending order not heard of for this long is asked of its provider; so many per sweep at most. */
export const reconcileAfterMs = 10 * 60_000;
const reconcilePageSize = 50;
/** Due follow-ups settled in one batch at most, and how long a batch waits for more to join it. */
const followUpBatchMax = 100;
const followUpBatchWindowMs = 5;
/**
 * Pauses before sending again after passing trouble (network, platform 5xx) that the
 * channel's own retries did not ride out; after the last one the message is given up.
 * Retries are picked up by the sweep, so they happen up to a sweep interval later.
 */
export const defaultSendRetryDelaysMs = [15_000, 60_000, 5 * 60_000, 30 * 60_000, 2 * 60 * 60_000];

/** What the support topic says under a message the customer could not get. */
function unreachableNote(channel: string, text: string): string {
  return `⚠️ Не доставлено (${channel}): клиент заблокировал бота или закрыл сообщения. «${text.slice(0, 200)}»`;
}

/** The subset of pino's logger the runtime uses. */
export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface RuntimeDependencies {
  engine: Engine;
  store: ConversationStore;
  scheduler: FollowUpScheduler;
  senders: ChannelSender[];
  logger: Logger;
  clock?: () => Date;
  sendRetryDelaysMs?: readonly number[];
  /** The payment providers, asked about pending orders whose news did not come (see `reconcilePayments`). */
  payments?: PaymentProviders | undefined;
  /** Support's timers (SUPPORT_REMIND_AFTER, SUPPORT_MENTION, SUPPORT_AUTO_RETURN_AFTER); unset ones are off. */
  supportTimers?: { remindAfterMs?: number | undefined; mention?: string | undefined; autoReturnAfterMs?: number | undefined };
  /** Budgets for link-code attempts, per account and per IP address; without them attempts are not limited. */
  linkCodeAttempts?: { perAccount: AttemptLimiter; perIp: AttemptLimiter };
}

/** Where an inbound came from beyond its channel address, when the channel knows (the web chat knows the IP). */
export interface InboundOrigin {
  ip?: string | undefined;
}

/** What an outside event did: started a flow, or why not (a repeat, an unknown contact, nobody waits for it …). */
export type ExternalEventResult =
  | { status: "started"; flowId: string }
  | { status: "later"; until: Date; retryAfterSeconds: number }
  | { status: "no_flow" | "opted_out" | "handed_off" | "outside_vk_window" | "duplicate" | "unknown_contact" };

/**
 * The one place where engine decisions meet the world: it applies a turn in a transaction
 * (state, event log, outbox, follow-up rows), then schedules timers and sends the outbox.
 * A crash between the two leaves rows that `recover()` picks up on the next start.
 */
export class ConversationRuntime {
  private readonly senders: Map<string, ChannelSender>;
  private readonly clock: () => Date;
  /** Sends to one contact are chained so their messages leave in order. */
  private readonly dispatching = new Map<string, Promise<void>>();
  /** Follow-up timers being armed or removed in the background; `idle()` waits for them too. */
  private readonly timerUpdates = new Set<Promise<void>>();
  /**
   * Due follow-ups are settled in batches: those the queue hands over within a few
   * milliseconds of each other share their transactions (https://github.com/graphql/dataloader).
   */
  private readonly dueFollowUps: DataLoader<string, AppliedTurn | null>;

  constructor(private readonly deps: RuntimeDependencies) {
    this.senders = new Map(deps.senders.map((s) => [s.channel, s]));
    this.clock = deps.clock ?? (() => new Date());
    this.dueFollowUps = new DataLoader(
      (ids) => deps.store.applyFollowUps(ids, (context) => deps.engine.fireFollowUp({ ...context, now: this.clock() })),
      { cache: false, maxBatchSize: followUpBatchMax, batchScheduleFn: (run) => setTimeout(run, followUpBatchWindowMs) },
    );
  }

  /** Handles one inbound update. Returns false for a redelivery, which is ignored. */
  async receive(
    inboundKey: string,
    from: ChannelAddress,
    profile: ContactProfile,
    raw: InboundEvent,
    origin: InboundOrigin = {},
  ): Promise<boolean> {
    // Whatever a platform or a client sent, what is stored and matched is valid, bounded text.
    const event = safeEvent(raw);
    const linkCode = linkCodeIn(event);
    const refusal = linkCode ? await this.linkCodeRefusal(from, linkCode, origin) : undefined;
    if (refusal) {
      await this.tellStranger(from, inboundKey, this.deps.engine.linkCodeRefusal(refusal));
      return true;
    }
    let answersCustomer = true;
    const applied = await this.deps.store.applyInbound({
      key: inboundKey,
      from,
      profile: safeProfile(profile),
      before: linkCode ? { type: "redeem_link_code", code: linkCode } : undefined,
      decide: (context) => {
        const result = this.deps.engine.handle({ ...context, channel: from.channel, event, inboundKey, now: this.clock() });
        answersCustomer = result.outbound.length > 0 || result.effects.some((e) => e.type !== "post_to_support");
        return result;
      },
    });
    if (!applied) {
      this.deps.logger.info({ inboundKey }, "duplicate inbound update ignored");
      return false;
    }
    // What a customer handed to staff writes only goes to their topic, paced to the group's 20
    // posts a minute: the inbound is not held for that (the posts are stored and go in order),
    // so the customer's next messages queue up behind it and go out merged.
    await this.afterCommit(applied, answersCustomer);
    return true;
  }

  /**
   * Link codes must not be guessable: each account and each IP address has a few attempts an
   * hour, and a wrong code from someone who is no contact yet leaves no contact behind.
   */
  private async linkCodeRefusal(from: ChannelAddress, code: string, origin: InboundOrigin) {
    const limits = this.deps.linkCodeAttempts;
    const allowed: boolean[] = limits
      ? await Promise.all([
          limits.perAccount.attempt(`${from.channel}:${from.externalId}`),
          origin.ip ? limits.perIp.attempt(origin.ip) : true,
        ])
      : [];
    if (allowed.includes(false)) {
      this.deps.logger.warn({ channel: from.channel, ip: origin.ip }, "link code refused: too many attempts");
      return "too_many_attempts" as const;
    }
    if (await this.deps.store.isStrangerWithBadLinkCode(from, code)) return "invalid" as const;
    return undefined;
  }

  /** Says one thing to someone who is no contact: straight to the channel, stored nowhere; a failure is only logged. */
  private async tellStranger(to: ChannelAddress, inboundKey: string, message: OutboundMessage): Promise<void> {
    try {
      const sender = this.senders.get(to.channel);
      if (!sender) throw new Error(`channel "${to.channel}" is not enabled`);
      await sender.send({ externalId: to.externalId, dedupeKey: `${inboundKey}#refusal`, lane: "reply" }, message);
    } catch (error) {
      this.deps.logger.warn({ err: error, channel: to.channel }, "refusal not delivered");
    }
  }

  /**
   * An update that can never be handled (malformed): kept with the reason (the channel logs it,
   * knowing what to say), so the channel can acknowledge it and the platform stops redelivering
   * it. If even keeping it fails (the database away), this throws: the channel then answers so
   * that it comes again.
   */
  async reject(rejected: RejectedInboundUpdate): Promise<void> {
    await this.deps.store.rejectInbound(rejected);
  }

  /** Called by the queue when a follow-up is due; safe to call twice for the same id. */
  async fireFollowUp(followUpId: string): Promise<void> {
    const applied = await this.dueFollowUps.load(followUpId);
    if (applied) await this.afterCommit(applied);
  }

  /**
   * News of a payment, confirmed with its provider: settles the order once and runs what the
   * flow does about it. Returns false when there was nothing to do (news seen before, an order
   * settled already). A failure (the database away) throws, so the provider is answered with an
   * error and sends the news again.
   */
  async settlePayment(update: PaymentUpdate): Promise<boolean> {
    const applied = await this.deps.store.applyPayment(update, (context) =>
      this.deps.engine.settlePayment({ ...context, now: this.clock() }),
    );
    if (!applied) return false;
    await this.afterCommit(applied);
    return true;
  }

  /**
   * What staff wrote in a customer's topic of the support group: answered to the customer, kept
   * as a note, or a command (see Engine.handleStaff). Returns false for a redelivery and for a
   * topic that is no customer's. A failure (the database away) throws, so the channel tries again.
   */
  async receiveFromStaff(
    key: string,
    topic: SupportTopic,
    staff: StaffMember,
    text: string,
    file?: { copy: MessageRef; shared?: SharedFile | undefined },
  ): Promise<boolean> {
    const applied = await this.deps.store.applyStaffMessage({
      key,
      topic,
      decide: (context) =>
        this.deps.engine.handleStaff({ ...context, staff, text: safeText(text), copy: file?.copy, file: file?.shared, now: this.clock() }),
    });
    if (applied === "duplicate" || applied === "unknown_topic") {
      this.deps.logger.info(
        { key, topicId: topic.topicId },
        applied === "duplicate" ? "duplicate staff message ignored" : "staff message in a topic of no customer ignored",
      );
      return false;
    }
    await this.afterCommit(applied);
    return true;
  }

  /**
   * Support's timers, run by the sweep: the team is reminded of customers nobody answered for
   * `remindAfterMs`, and handoffs with no message from either side for `autoReturnAfterMs` go
   * back to the bot. Both are events in the log; both are safe to run on every replica at once.
   * `at` is the time they are judged at (tests look ahead; the turns keep the runtime's clock).
   */
  async runSupportTimers(at: Date = this.clock()): Promise<void> {
    const timers = this.deps.supportTimers;
    const now = at.getTime();
    if (timers?.remindAfterMs) {
      const texts = this.deps.engine.installationTexts();
      const reminder = (since: Date) =>
        [texts.staffReminder.replace("{since}", since.toISOString().slice(11, 16)), timers.mention].filter(Boolean).join(" ");
      const reminded = await this.deps.store.remindSupport(new Date(now - timers.remindAfterMs), reminder);
      await Promise.all(reminded.map((contactId) => this.dispatch(contactId)));
    }
    if (timers?.autoReturnAfterMs) {
      const idleBefore = new Date(now - timers.autoReturnAfterMs);
      for (const contactId of await this.deps.store.idleHandoffs(idleBefore, 100)) {
        const applied = await this.deps.store.returnIdleHandoff(contactId, idleBefore, (context) =>
          this.deps.engine.returnFromSupport({ ...context, now: this.clock() }),
        );
        if (applied) await this.afterCommit(applied);
      }
    }
  }

  /**
   * An event from another system (POST /api/events): the contact it names enters the flow that
   * waits for its type. Once per event id, whatever the sender retries; nothing for a contact
   * who never wrote to us. A failure (the database away) throws: the sender should retry.
   */
  async receiveExternalEvent(event: ExternalEvent): Promise<ExternalEventResult> {
    const lookup = this.deps.engine.contactLookup(event.contact);
    if (!lookup) return { status: "unknown_contact" };
    const now = this.clock();
    const facts = { id: event.id, type: event.type, data: event.data ?? {}, occurred_at: event.occurred_at ?? now.toISOString() };
    let entry: EventEntryOutcome | undefined;
    const applied = await this.deps.store.applyExternalEvent({
      key: `event:${event.id}`,
      lookup,
      decide: (context) => {
        const result = this.deps.engine.enterByEvent({ ...context, event: facts, now });
        entry = result;
        return { ...result, later: result.outcome === "later" };
      },
    });
    if (applied === "duplicate" || applied === "unknown_contact") return { status: applied };
    if (applied === "later" && entry?.outcome === "later") {
      return {
        status: "later",
        until: entry.until,
        retryAfterSeconds: Math.max(1, Math.ceil((entry.until.getTime() - now.getTime()) / 1000)),
      };
    }
    if (applied === "later") return { status: "no_flow" };
    await this.afterCommit(applied);
    if (entry?.outcome === "started") return { status: "started", flowId: entry.flowId };
    return { status: entry?.outcome === "later" || !entry ? "no_flow" : entry.outcome };
  }

  /**
   * The win-back scan (run by one BullMQ repeatable job, whichever replica takes it): for each
   * flow with an `inactive:` trigger, the contacts whose last message is that old — within a
   * week after, so a silence is still caught after a day of outage, and people silent for years
   * are not swept in at once — enter it, page by page, each under their own lock and once per
   * silence. Those it is no time to write to now (quiet hours, the cap) are asked again next scan.
   */
  async scanInactivity(pageSize = inactivityPageSize): Promise<{ entered: number; later: number; checked: number }> {
    const counts = { entered: 0, later: 0, checked: 0 };
    const now = this.clock();
    for (const { flow, silentMs } of this.deps.engine.flows.byInactivity()) {
      const window = { from: new Date(now.getTime() - silentMs - winbackLookbackMs), to: new Date(now.getTime() - silentMs) };
      let after: InactiveContact | undefined;
      for (;;) {
        const page = await this.deps.store.inactiveContacts(flow.id, window, { after, limit: pageSize });
        for (const candidate of page) {
          let outcome: string | undefined;
          const applied = await this.deps.store.applyInactivityEntry({
            ...candidate,
            flowId: flow.id,
            decide: (context) => {
              const result = this.deps.engine.enterByInactivity({ ...context, flowId: flow.id, now });
              outcome = result.outcome;
              return result;
            },
          });
          counts.checked++;
          if (applied === "later") counts.later++;
          if (typeof applied !== "object") continue;
          if (outcome === "started") counts.entered++;
          // The scan does not wait for the sends: they go paced on the bulk lane, in the background.
          await this.afterCommit(applied, false);
        }
        if (page.length < pageSize) break;
        after = page.at(-1);
      }
    }
    if (counts.checked > 0) this.deps.logger.info(counts, "win-back scan done");
    return counts;
  }

  /**
   * Erasures asked for in the chat end here, once their confirmation was sent: the person's
   * channel addresses go (run by the sweep; see erase-contact.ts). Returns how many.
   */
  finishErasures(): Promise<number> {
    return this.deps.store.finishErasures();
  }

  /** A review link opened: counted, and where it leads (see ConversationStore.openReviewLink). */
  openReviewLink(id: string): Promise<string | undefined> {
    return this.deps.store.openReviewLink(id);
  }

  /** Records a refund its provider confirmed (see ConversationStore.recordRefund). */
  async recordRefund(refund: ProviderRefund & { provider: string }): Promise<boolean> {
    return this.deps.store.recordRefund(refund);
  }

  /** Whether an order may still be paid for this amount (asked by a provider before it charges). */
  async orderPayable(orderId: string, amount: number, currency: string): Promise<"payable" | "settled" | "changed" | "unknown"> {
    return this.deps.store.orderPayable(orderId, amount, currency);
  }

  /**
   * A lost notification must never leave a paying customer waiting: pending orders nobody heard
   * of for `reconcileAfterMs` are asked of their provider, and what it says is settled like a
   * notification would be (the same idempotency keys, so a late notification does nothing more).
   * Returns how many orders it settled.
   */
  async reconcilePayments(): Promise<number> {
    const payments = this.deps.payments;
    if (!payments) return 0;
    const orders = await this.deps.store.ordersToReconcile(new Date(this.clock().getTime() - reconcileAfterMs), reconcilePageSize);
    let settled = 0;
    for (const { orderId, provider: name, providerPaymentId } of orders) {
      const provider = payments.byName(name);
      try {
        if (!provider) throw new Error(`payment provider "${name}" is not configured`);
        const payment = await provider.fetch(providerPaymentId);
        if (payment.status === "pending") continue;
        const update = {
          key: `${name}:${payment.providerPaymentId}:${payment.status}`,
          orderId,
          providerPaymentId,
          status: payment.status,
          amount: payment.amount,
          currency: payment.currency,
        };
        if (await this.settlePayment(update)) settled++;
      } catch (error) {
        this.deps.logger.warn({ err: error, orderId, provider: name }, "pending order not reconciled; asked again later");
      }
    }
    if (settled > 0) this.deps.logger.info({ settled }, "orders settled by reconciliation (their notifications did not come)");
    return settled;
  }

  /**
   * Picks up work that a crash, a Redis outage or a failed send left behind: re-arms follow-ups
   * and sends unsent messages. On start every pending follow-up is re-armed; a periodic sweep
   * re-arms only the overdue ones (their timer was lost).
   */
  async recover(scope: "start" | "sweep" = "start"): Promise<void> {
    const dueBefore = scope === "sweep" ? new Date(this.clock().getTime() - overdueAfterMs) : undefined;
    // Page by page: a million pending follow-ups are never read, nor sent to Redis, at once.
    let rearmed = 0;
    for (let after: string | undefined; ; ) {
      const page = await this.deps.store.pendingFollowUps(dueBefore, { after, limit: rearmPageSize });
      if (page.length === 0) break;
      await this.deps.scheduler.rearm(page);
      rearmed += page.length;
      after = page.at(-1)?.id;
      if (page.length < rearmPageSize) break;
    }
    const unsent = await this.deps.store.contactsWithUnsent();
    await Promise.all(unsent.map((id) => this.dispatch(id)));
    if (scope === "sweep" ? rearmed > 0 : rearmed + unsent.length > 0) {
      this.deps.logger.info({ scope, followUps: rearmed, contacts: unsent.length }, "recovered pending work");
    }
  }

  /** Runs `recover("sweep")` every `intervalMs` until the returned stop function is called. */
  startSweeper(intervalMs = 30_000): () => Promise<void> {
    let running: Promise<void> = Promise.resolve();
    const timer = setInterval(() => {
      running = this.recover("sweep")
        .then(() => this.reconcilePayments())
        .then(() => this.runSupportTimers())
        .then(() => this.finishErasures())
        .then(
          () => undefined,
          (error: unknown) => this.deps.logger.error({ err: error }, "recovery sweep failed"),
        );
    }, intervalMs);
    return async () => {
      clearInterval(timer);
      await running;
    };
  }

  /**
   * Sends the contact's pending outbox in order; concurrent calls queue up. `claimed` are rows a
   * turn claimed for sending as it wrote them: they go first, without claiming them again.
   * The caller gets the outcome of its own drain; the chain itself never rejects, so one failed
   * drain (the database away) neither escapes as an unhandled rejection nor keeps later drains
   * from running.
   */
  dispatch(contactId: string, claimed: readonly PendingOutbound[] = []): Promise<void> {
    const previous = this.dispatching.get(contactId) ?? Promise.resolve();
    const next = previous.then(() => this.drain(contactId, [...claimed]));
    const tracked: Promise<void> = next
      .catch(() => {}) // reported to the caller through `next`
      .finally(() => {
        if (this.dispatching.get(contactId) === tracked) this.dispatching.delete(contactId);
      });
    this.dispatching.set(contactId, tracked);
    return next;
  }

  /** The platform says the person blocked the bot (or unblocked it): follow-ups stop (or may resume). */
  async setBlocked(address: ChannelAddress, blocked: boolean): Promise<void> {
    const cancelled = await this.deps.store.setBlocked(address, blocked);
    await this.deps.scheduler.cancel(cancelled).catch((error: unknown) => this.deps.logger.warn({ err: error }, "timers not cancelled"));
    this.deps.logger.info({ ...address, blocked, cancelledFollowUps: cancelled.length }, "channel reachability changed");
  }

  /** Resolves when every send started so far has finished (graceful shutdown). */
  async idle(): Promise<void> {
    while (this.dispatching.size + this.timerUpdates.size > 0) {
      await Promise.allSettled([...this.dispatching.values(), ...this.timerUpdates]);
    }
  }

  private async afterCommit(applied: AppliedTurn, waitForSends = true): Promise<void> {
    for (const pool of applied.exhaustedPromoPools ?? []) {
      this.deps.logger.warn(
        { pool, contactId: applied.contactId },
        "promo pool is empty: the fallback text was sent; load more codes with `orkestr promo import`",
      );
    }
    // Replies do not wait for Redis: timers are updated beside them and the turn does not wait
    // for that (each update gives up after a few seconds; the sweep re-arms what did not arm).
    const timers = this.updateTimers(applied);
    this.timerUpdates.add(timers);
    void timers.finally(() => this.timerUpdates.delete(timers));
    const sends = this.dispatch(applied.contactId, applied.claimed);
    if (waitForSends) await sends;
    else
      sends.catch((error: unknown) =>
        this.deps.logger.warn({ err: error, contactId: applied.contactId }, "messages not sent yet; the sweep will retry"),
      );
  }

  /** Timers that fail to arm are re-armed by the sweep from their rows; failed cancels are caught by the fire-once guard. */
  private async updateTimers(applied: AppliedTurn): Promise<void> {
    try {
      const update = (async () => {
        await this.deps.scheduler.cancel(applied.cancel);
        await this.deps.scheduler.schedule(applied.schedule);
      })();
      // While Redis is away its client queues commands without end; the turn does not wait for that.
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Redis did not answer within ${timerUpdateTimeoutMs} ms`)), timerUpdateTimeoutMs);
      });
      await Promise.race([update, timeout]).finally(() => clearTimeout(timer));
    } catch (error) {
      this.deps.logger.error({ err: error, contactId: applied.contactId }, "follow-up timers not updated; the sweep will retry");
    }
  }

  private async drain(contactId: string, claimed: PendingOutbound[]): Promise<void> {
    for (;;) {
      const next = claimed.shift() ?? (await this.deps.store.claimNextOutbound(contactId));
      if (!next) return;
      const sender = this.senders.get(next.channel);
      try {
        if (!sender) throw new Error(`channel "${next.channel}" is not enabled`);
        // The row names its file by content hash; the path is wherever a loaded flow has it now.
        const message = fromStoredMessage(next.message, (sha256) => this.deps.engine.flows.file(sha256));
        if (!message) throw new MessageRejectedError(`file ${next.message.file?.name} (${next.message.file?.sha256}) is in no loaded flow`);
        await sender.send(
          { externalId: next.externalId, contactId, outboxId: next.id, dedupeKey: next.dedupeKey, lane: next.lane },
          message,
        );
      } catch (error) {
        // The turn's other claimed messages wait behind this one again, to keep their order.
        await this.deps.store.releaseClaims(claimed.splice(0).map((row) => row.id));
        if (await this.settleFailure(contactId, next, error)) return;
        continue;
      }
      const { morePending } = await this.markSentPersistently(next.id);
      // Nothing else waits: no round trip to find that out.
      if (claimed.length === 0 && !morePending) return;
    }
  }

  /**
   * Keeps a message that failed with its error, never drops it: retried later unless it can
   * never succeed (senders ride out short trouble themselves: 429, 5xx, network). Returns
   * whether the contact's later messages must wait for the retry.
   */
  private async settleFailure(contactId: string, next: PendingOutbound, error: unknown): Promise<boolean> {
    const unreachable = error instanceof RecipientUnreachableError;
    const delays = this.deps.sendRetryDelaysMs ?? defaultSendRetryDelaysMs;
    const delay =
      error instanceof RetryLaterError
        ? error.retryAfterMs
        : unreachable || error instanceof MessageRejectedError
          ? undefined
          : delays[next.attempts - 1];
    const retryAt = delay === undefined ? undefined : new Date(this.clock().getTime() + delay);
    // A person blocking the bot is an everyday event, not an error of ours.
    this.deps.logger[unreachable ? "warn" : "error"](
      { err: error, outboxId: String(next.id), channel: next.channel, attempts: next.attempts, retryAt },
      retryAt ? "send failed; will retry" : "send failed",
    );
    // Like a sent message, a failed one is noted even while the database is away: a row left
    // `sending` would hold the contact's later messages back until its claim goes stale.
    await keepTrying(
      () => this.deps.store.markFailed(next.id, error instanceof Error ? error.message : String(error), retryAt),
      markSentPatience,
      this.deps.logger,
      { outboxId: String(next.id) },
      "send failed, but not yet noted; trying again",
    );
    if (unreachable && next.channel !== supportChannel) {
      await this.setBlocked({ channel: next.channel, externalId: next.externalId }, true);
      // Staff answering in the customer's topic see at once that it did not arrive.
      await this.deps.store
        .noteInSupport(contactId, unreachableNote(next.channel, next.message.text), `${next.dedupeKey}#unreachable`)
        .catch((e: unknown) => this.deps.logger.warn({ err: e, contactId }, "support topic not told of the undelivered message"));
    }
    // The contact's later messages wait for this one, to keep their order. Flood control is
    // waited out to the second here, not at the next sweep.
    if (error instanceof RetryLaterError) {
      const resume = () =>
        this.dispatch(contactId).catch((e: unknown) =>
          this.deps.logger.warn({ err: e, contactId }, "retry after flood control failed; the sweep will retry"),
        );
      setTimeout(resume, error.retryAfterMs).unref();
    }
    return retryAt !== undefined;
  }

  /**
   * The message is out: noting that must not fail it, or it would be sent again. While the
   * database is away this keeps trying (holding the contact's later messages back) for up to
   * ten minutes (`markSentPatience`); only then the error goes up, and the row, still `sending`, is sent
   * again by the stale-claim rule once the database is back.
   */
  private async markSentPersistently(id: bigint): Promise<{ morePending: boolean }> {
    return keepTrying(
      () => this.deps.store.markSent(id),
      markSentPatience,
      this.deps.logger,
      { outboxId: String(id) },
      "sent, but not yet noted as sent; trying again",
    );
  }
}
