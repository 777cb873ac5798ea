import parseDuration from "parse-duration";
import type { DomainEvent } from "../events/event-catalog.ts";
import type { FlowCatalog } from "../flow/flow-catalog.ts";
import type { SurveyAnswer } from "../flow/step-kind.ts";
import type { ChannelName } from "../model/channel-name.ts";
import type { ContactView } from "../model/contact-view.ts";
import type { ConversationState } from "../model/conversation-state.ts";
import type { InboundEvent } from "../model/inbound-event.ts";
import { minorUnitsPer, type OrderSnapshot } from "../model/order.ts";
import type { OutboundMessage } from "../model/outbound-message.ts";
import { Engine, type HandleInput } from "./engine.ts";
import { messageOutData } from "./engine-turn.ts";
import type { EngineResult, FollowUpPlan } from "./engine-types.ts";
import { type EffectResolvers, messagesInOrder, resolveEffect } from "./turn-effect.ts";

/**
 * Drives the engine in memory with a virtual clock: the same rules as the runtime (follow-ups
 * of a left visit are cancelled, opted-out contacts get none) without a database or queue.
 * For engine tests, transcripts and the terminal simulator.
 */
export class FlowHarness {
  readonly engine: Engine;
  contact: ContactView = { id: "harness-contact", fields: {}, tags: [], optedOut: false };
  conversations: ConversationState[] = [];
  currentFlowId: string | null = null;
  pending: FollowUpPlan[] = [];
  events: DomainEvent[] = [];
  now: Date;
  /**
   * Promo codes by pool, as `orkestr promo import` would load them; a pool not listed hands out
   * `<POOL>-TEST-1`, `-2` … Codes this contact got, by pool, are kept: asking again gives the same.
   */
  promoPools: Record<string, string[]> = {};
  private readonly issuedCodes = new Map<string, string>();
  private inbound = 0;
  private linkCodes = 0;
  /** What survey steps asked and were answered, in order, as the store would keep it. */
  readonly surveyAnswers: SurveyAnswer[] = [];
  /** Orders the pay steps made, as the store keeps them (newest last). */
  private readonly orders: Array<{ flowId: string; visit: number; minor: number; snapshot: OrderSnapshot }> = [];
  /**
   * The harness's resolvers: the same effects the store performs, in memory. Its engine has no
   * support desk (a handoff is a stored request, as without SUPPORT_CHAT_ID), so the support
   * effects never come; a staff turn's (see `Engine.handleStaff`) are taken as done.
   */
  private readonly resolvers: EffectResolvers<void, OutboundMessage | undefined> = {
    open_handoff: (effect) => effect.compose(),
    close_handoff: () => undefined,
    post_to_support: () => undefined,
    stop_follow_ups: () => undefined,
    away_notice: (effect) => effect.compose(),
    save_survey_answer: (effect) => {
      this.surveyAnswers.push(effect.answer);
      return undefined;
    },
    notify_support: () => undefined,
    erase_contact: () => {
      this.contact = { id: this.contact.id, fields: {}, tags: [], optedOut: true };
      this.pending = [];
      return undefined;
    },
    cancel_follow_ups: (effect) => {
      const kept = (p: FollowUpPlan) => effect.keep.some((k) => k.stepId === p.stepId && k.index === p.index);
      this.pending = this.pending.filter((p) => p.flowId !== effect.flowId || kept(p));
      return undefined;
    },
    // Without a public URL the store gives the sites' own links, as here.
    request_review: (effect) => effect.compose(effect.links),
    issue_promo_code: (effect) => effect.compose(this.issuePromoCode(effect.pool)),
    create_link_code: (effect) => effect.compose(`link-TEST${String(++this.linkCodes).padStart(2, "0")}`),
    create_payment: (effect) => {
      const flowId = effect.flowId as string;
      const { stepId, visit, title, amount, currency } = effect.request;
      // As the store does: the step's order is shown again while it can be paid.
      const reusable = this.orders.find(
        (o) =>
          o.flowId === flowId &&
          o.snapshot.stepId === stepId &&
          o.snapshot.status === "pending" &&
          o.minor === amount &&
          o.snapshot.currency === currency,
      );
      const id = `order-TEST${String(this.orders.length + 1).padStart(2, "0")}`;
      const order = reusable ?? {
        flowId,
        visit,
        minor: amount,
        snapshot: {
          id,
          stepId,
          status: "pending" as const,
          paid: false,
          title,
          amount: amount / minorUnitsPer(currency),
          currency,
          url: `https://pay.test/${id}`,
        },
      };
      if (!reusable) this.orders.push(order);
      this.keepOrder(flowId, order.snapshot);
      return effect.compose(order.snapshot);
    },
  };

  constructor(
    flows: FlowCatalog,
    private readonly channel: ChannelName = "web",
    start = new Date("2026-01-05T10:00:00Z"),
  ) {
    this.engine = new Engine(flows);
    this.now = start;
  }

  /** Sends an inbound event and returns the bot's replies. */
  send(event: InboundEvent): OutboundMessage[] {
    const result = this.engine.handle(this.input(event));
    this.currentFlowId = result.currentFlowId;
    return this.apply(result);
  }

  text(text: string): OutboundMessage[] {
    return this.send({ type: "text", text });
  }

  /** Presses the button with this label on the latest message that has it. */
  press(label: string, messages: OutboundMessage[]): OutboundMessage[] {
    const button = messages
      .flatMap((m) => m.buttons?.flat() ?? [])
      .reverse()
      .find((b) => b.label === label && b.payload);
    if (!button?.payload) throw new Error(`No button "${label}" in the given messages`);
    return this.send({ type: "button", payload: button.payload, label });
  }

  /** Moves the virtual clock and fires every follow-up that falls due, in order. */
  advance(duration: string | number): OutboundMessage[] {
    const ms = typeof duration === "number" ? duration : parseDuration(duration);
    if (ms === null || ms === undefined) throw new Error(`Bad duration "${duration}"`);
    const until = this.now.getTime() + ms;
    const sent: OutboundMessage[] = [];
    for (;;) {
      const due = this.pending.filter((f) => f.dueAt.getTime() <= until).sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime())[0];
      if (!due) break;
      this.pending = this.pending.filter((f) => f !== due);
      this.now = due.dueAt;
      const conversation = this.conversations.find((c) => c.flowId === due.flowId);
      if (!conversation) continue;
      const result = this.engine.fireFollowUp({ contact: this.contact, conversation, followUp: due, channel: this.channel, now: this.now });
      sent.push(...this.apply(result));
      // Postponed (quiet hours, the cap, a moved date) or due again next year: its timer is set again.
      if (result.postponedUntil) this.pending.push({ ...due, dueAt: result.postponedUntil });
    }
    this.now = new Date(until);
    return sent;
  }

  /**
   * The provider reports the latest pending order (paid, canceled, expired), as its notification
   * would: the order is settled once and the flow's branch for it runs; the bot's replies.
   */
  settlePayment(outcome: "paid" | "canceled" | "expired"): OutboundMessage[] {
    const order = this.orders.findLast((o) => o.snapshot.status === "pending");
    const conversation = order && this.conversation(order.flowId);
    if (!order || !conversation) throw new Error("No pending order to settle: no pay step has shown its button");
    order.snapshot = { ...order.snapshot, status: outcome, paid: outcome === "paid", url: null };
    if (outcome === "paid") {
      // As the store counts it; the order itself the engine counts (see Engine.settlePayment).
      const spent = this.contact.total_spent ?? {};
      this.contact = {
        ...this.contact,
        total_spent: { ...spent, [order.snapshot.currency]: (spent[order.snapshot.currency] ?? 0) + order.snapshot.amount },
        first_order_at: this.contact.first_order_at ?? this.now.toISOString(),
        last_order_at: this.now.toISOString(),
      };
    }
    const { snapshot, visit } = order;
    return this.apply(
      this.engine.settlePayment({
        contact: this.contact,
        conversation,
        order: snapshot,
        visit,
        outcome,
        channel: this.channel,
        now: this.now,
      }),
    );
  }

  /** The conversation of `flowId` keeps its latest order, for `order.*` in its templates. */
  private keepOrder(flowId: string, order: OrderSnapshot): void {
    this.conversations = this.conversations.map((c) => (c.flowId === flowId ? { ...c, order } : c));
  }

  /** What the engine would get for `event` now: for tests of single inbound handlers. */
  input(event: InboundEvent): HandleInput {
    return {
      inboundKey: `harness-${++this.inbound}`,
      contact: this.contact,
      conversations: this.conversations,
      currentFlowId: this.currentFlowId,
      channel: this.channel,
      event,
      now: this.now,
    };
  }

  conversation(flowId = this.currentFlowId): ConversationState | undefined {
    return this.conversations.find((c) => c.flowId === flowId);
  }

  private apply(result: EngineResult): OutboundMessage[] {
    this.contact = result.contact;
    for (const changed of result.conversations) {
      this.conversations = [...this.conversations.filter((c) => c.flowId !== changed.flowId), changed];
      // Leaving a visit (or ending) cancels its follow-ups, as the runtime does.
      this.pending = this.pending.filter((f) => f.flowId !== changed.flowId || (f.visit === changed.visit && changed.status === "active"));
    }
    if (this.contact.optedOut) this.pending = [];
    this.pending.push(...result.followUps.filter((f) => this.conversation(f.flowId)?.visit === f.visit));
    this.events.push(...result.events);
    const composed = result.effects.flatMap((effect) => {
      const message = resolveEffect(this.resolvers, effect, undefined);
      return message ? [{ position: effect.position, message }] : [];
    });
    for (const { message } of composed) this.events.push({ type: "message_out", data: messageOutData(message) });
    return messagesInOrder(
      result.outbound.map((o) => o.message),
      composed,
    );
  }

  private issuePromoCode(pool: string): string | undefined {
    const issued = this.issuedCodes.get(pool);
    if (issued) return issued;
    this.promoPools[pool] ??= Array.from({ length: 100 }, (_, i) => `${pool.toUpperCase()}-TEST-${i + 1}`);
    const codes = this.promoPools[pool];
    const code = codes.shift();
    if (code) this.issuedCodes.set(pool, code);
    return code;
  }
}
