import { type CountryCode, parsePhoneNumberFromString } from "libphonenumber-js";
import { ConditionEvaluator } from "../conditions/condition-evaluator.ts";
import type { EventData } from "../events/event-catalog.ts";
import type { FlowCatalog } from "../flow/flow-catalog.ts";
import type { Flow } from "../flow/flow-schema.ts";
import type { ChannelName } from "../model/channel-name.ts";
import type { ContactView } from "../model/contact-view.ts";
import type { ConversationEvent, ConversationState } from "../model/conversation-state.ts";
import type { ContactLookup, EventContact } from "../model/external-event.ts";
import type { InboundEvent } from "../model/inbound-event.ts";
import type { OrderSnapshot } from "../model/order.ts";
import type { OutboundMessage } from "../model/outbound-message.ts";
import { TemplateRenderer } from "../template/template-renderer.ts";
import { type EngineTexts, resolveEngineTexts } from "../texts/engine-texts.ts";
import { anchorAtSend, anchoredDueAt } from "./date-anchor.ts";
import { EngineTurn } from "./engine-turn.ts";
import type { EngineResult } from "./engine-types.ts";
import { type EventEntryOutcome, enterByEvent } from "./event-entry.ts";
import { reachExitGoals } from "./exit-goals.ts";
import { FaqResponder } from "./faq-responder.ts";
import type { SupportSettings } from "./hand-off.ts";
import { enterByInactivity, type InactivityEntryInput, type InactivityEntryOutcome } from "./inactivity-entry.ts";
import { accountLinkHandler } from "./inbound/account-link-handler.ts";
import { fallbackHandler } from "./inbound/fallback-handler.ts";
import { faqButtonHandler } from "./inbound/faq-button-handler.ts";
import { faqQuestionHandler } from "./inbound/faq-question-handler.ts";
import { humanModeHandler } from "./inbound/human-mode-handler.ts";
import type { HandleInput, InboundContext, InboundHandler, Position } from "./inbound/inbound-handler.ts";
import { intentHandler } from "./inbound/intent-handler.ts";
import { keywordHandler } from "./inbound/keyword-handler.ts";
import { mediaHandler } from "./inbound/media-handler.ts";
import { startHandler } from "./inbound/start-handler.ts";
import { stepReplyHandler } from "./inbound/step-reply-handler.ts";
import { stopHandler } from "./inbound/stop-handler.ts";
import { type MarketingCaps, nextAllowedByCap } from "./marketing-cap.ts";
import { resumeConversation } from "./resume-conversation.ts";
import { returnOnTimeout, type StaffInput, type StaffTurnParts, type SupportTurnInput, staffReply } from "./staff-reply.ts";
import { StepRunner } from "./step-runner.ts";
import { vkFreeWindowMs } from "./vk-free-window.ts";

export type { HandleInput };

/**
 * The inbound pipeline, in order: the first handler that takes the event ends the turn.
 * Stop works anywhere; while support staff have the conversation nothing else of the bot
 * answers; a photo or file the bot cannot read gets no answer; account linking works anywhere;
 * start switches flows; requests in the customer's words (a person, unsubscribe, erase my data,
 * start over) come before flow keywords, the knowledge base and the step's reply, so none of
 * them is taken for an answer; the knowledge base answers before a text is taken as the step's
 * reply; the fallback handles the rest.
 */
function inboundPipeline(handoffPhrases: readonly string[] = []): InboundHandler[] {
  return [
    stopHandler,
    humanModeHandler,
    mediaHandler,
    accountLinkHandler,
    startHandler,
    intentHandler(handoffPhrases),
    keywordHandler,
    faqButtonHandler,
    faqQuestionHandler,
    stepReplyHandler,
    fallbackHandler,
  ];
}

export interface FollowUpInput {
  contact: ContactView;
  conversation: ConversationState;
  followUp: { visit: number; stepId: string; index: number };
  /** When marketing follow-ups were sent to the contact lately (ms; the last eight days), for the caps. */
  marketingSentAt?: readonly number[];
  /** When the person last wrote on the channel it goes to (ISO): VK takes marketing only within 24 hours of it. */
  lastSeenAt?: string | undefined;
  channel: ChannelName;
  now: Date;
}

export interface EventEntryInput {
  contact: ContactView;
  conversations: ConversationState[];
  currentFlowId: string | null;
  /** Where the contact is reached (the channel they wrote from last). */
  channel: ChannelName;
  event: ConversationEvent;
  now: Date;
  /** Marketing the contact got in the last eight days (ms since 1970), for the frequency cap. */
  marketingSentAt?: readonly number[] | undefined;
  /** When the person last wrote on `channel` (VK's 24 hours). */
  lastSeenAt?: string | undefined;
}

export interface PaymentSettlementInput {
  contact: ContactView;
  /** The conversation the order belongs to. */
  conversation: ConversationState;
  /** The order with its new status. */
  order: OrderSnapshot;
  /** The visit of the pay step the order was made at. */
  visit: number;
  outcome: "paid" | "canceled" | "expired";
  channel: ChannelName;
  now: Date;
}

export interface EngineOptions {
  /** Region of phone numbers written without a country code. */
  defaultRegion?: CountryCode;
  /** Whether support staff take handoffs (a support desk is set up), and when they answer. */
  support?: SupportSettings | undefined;
  /** More ways customers ask for a person (SUPPORT_KEYWORDS), beside the built-in examples (core/texts/intent-phrases.ts) and flows/texts.yaml's. */
  handoffPhrases?: readonly string[] | undefined;
  /** MAX_MARKETING_PER_DAY / _PER_WEEK: marketing follow-ups one contact may get across flows (a flow may set its own). */
  marketingCaps?: MarketingCaps | undefined;
}

/**
 * Flow texts are written in simple HTML on every channel. VK has no markup, but its adapter
 * turns the HTML into plain text (tags dropped, entities decoded): rendering VK as plain here
 * would leave an author's own `<b>` visible.
 */
const textFormat = "html";
/** VK: a community writes freely within 24 hours of the person's last message (https://dev.vk.com/ru/api/bots/development/messages). */

/**
 * The flow engine: given state and an event it returns what should happen (messages, state,
 * effects, follow-ups, events) and sends nothing, so it runs the same under tests, the CLI and the app.
 */
export class Engine {
  private readonly tools = { templates: new TemplateRenderer(), conditions: new ConditionEvaluator() };
  private readonly faq = new FaqResponder();
  private readonly textsCache = new WeakMap<object, Map<Flow | null, EngineTexts>>();
  private readonly pipeline: readonly InboundHandler[];
  private readonly support: SupportSettings;

  constructor(
    readonly flows: FlowCatalog,
    private readonly options: EngineOptions = {},
  ) {
    this.pipeline = inboundPipeline(options.handoffPhrases);
    this.support = options.support ?? { desk: false };
  }

  handle(input: HandleInput): EngineResult {
    const context = this.inboundContext(input);
    for (const handler of this.pipeline) if (handler.handle(context)) break;
    reachExitGoals(context.turn, this.flows, input.conversations);
    return context.turn.result();
  }

  /** A handoff nobody wrote in for too long goes back to the bot (see staff-reply.ts). */
  returnFromSupport(input: SupportTurnInput): EngineResult {
    return this.supportTurn(input, (parts) => returnOnTimeout(parts, input));
  }

  /** The bot's own phrases for the installation (no flow's overrides): what it tells staff. */
  installationTexts(): EngineTexts {
    return this.textsOf(null);
  }

  /** What staff wrote in the customer's topic in the support group (see staff-reply.ts). */
  handleStaff(input: StaffInput): EngineResult {
    return this.supportTurn(input, (parts) => staffReply(parts, input));
  }

  /** A turn from the support side (staff, a timer), with the parts staff-reply.ts acts through. */
  private supportTurn(input: SupportTurnInput, act: (parts: StaffTurnParts) => void): EngineResult {
    const turn = new EngineTurn(input.contact, input.currentFlowId, input.channel, textFormat, input.now, this.tools);
    turn.purpose = "support";
    act({ turn, runner: this.runner(turn), flows: this.flows, texts: (flow) => this.textsOf(flow) });
    reachExitGoals(turn, this.flows, input.conversations);
    return turn.result();
  }

  /** The turn an inbound starts, with the message recorded, as every handler of the pipeline sees it. */
  inboundContext(input: HandleInput): InboundContext {
    const turn = new EngineTurn(input.contact, input.currentFlowId, input.channel, textFormat, input.now, this.tools);
    const { event } = input;
    const text = event.type === "text" ? event.text.trim() : "";
    const received = { key: input.inboundKey, channel: input.channel };
    turn.record("message_in", input.currentFlowId, messageInData(event, text, received));
    const conversationOf = (flowId: string | null) => input.conversations.find((c) => c.flowId === flowId);
    const current = conversationOf(input.currentFlowId);
    const active = current?.status === "active" ? current : undefined;
    let position: { value: Position | undefined } | undefined;
    const context: InboundContext = {
      input,
      turn,
      runner: this.runner(turn),
      flows: this.flows,
      faq: this.faq,
      text,
      conversationOf,
      active,
      position: () => {
        position ??= { value: active ? resumeConversation(turn, this.flows, active) : undefined };
        return position.value;
      },
      matcher: () => this.flows.faqFor(context.position()?.flow),
      textsOf: (flow) => this.textsOf(flow),
      support: this.support,
    };
    return context;
  }

  /**
   * What a person who is no contact (yet) is told when their link code is refused: the code is
   * wrong or expired, or they tried too often. Said once, not stored: a guess leaves no contact.
   */
  linkCodeRefusal(reason: "invalid" | "too_many_attempts"): OutboundMessage {
    const texts = this.textsOf(null);
    return { text: reason === "invalid" ? texts.linkInvalid : texts.linkTooManyAttempts, format: "plain" };
  }

  /** Runs a due follow-up, or skips it when the contact moved on, opted out or `unless` holds. */
  fireFollowUp(input: FollowUpInput): EngineResult & { fired: boolean; postponedUntil?: Date } {
    const { conversation } = input;
    // Only what names the follow-up goes into the log (the store's row carries more).
    const followUp = { visit: input.followUp.visit, stepId: input.followUp.stepId, index: input.followUp.index };
    const turn = new EngineTurn(input.contact, null, input.channel, textFormat, input.now, this.tools);
    const skip = (reason: EventData<"followup_skipped">["reason"]) => {
      turn.record("followup_skipped", conversation.flowId, { ...followUp, reason });
      return { ...turn.result(), currentFlowId: null, fired: false };
    };
    // A follow-up belongs to the version it was planned on.
    const flow = this.flows.version(conversation.flowId, conversation.flowVersion) ?? this.flows.get(conversation.flowId);
    const step = flow?.steps.find((s) => s.id === followUp.stepId);
    const definition = step?.followUps?.[followUp.index];
    if (!flow || !step || !definition) return skip("not_in_flow");
    if (conversation.status !== "active" || conversation.visit !== followUp.visit) return skip("moved_on");
    if (input.contact.optedOut) return skip("opted_out");
    if (flow.requiresConsent && definition.marketing !== false && !input.contact.consent) return skip("no_consent");
    if (definition.unless && turn.test(definition.unless, conversation, flow)) return skip("unless");
    // The flow's goal was reached: its marketing follow-ups are over (also those planned after it).
    if (conversation.goalReachedAt && definition.marketing !== false) return skip("goal_reached");
    const zone = turn.zoneOf(flow);
    // A date-anchored one reads its date again: a class moved to next week moves its reminder.
    const anchor = definition.on ? { ...definition, value: turn.lookUp(definition.on, conversation, flow) } : undefined;
    const quietShift = (at: Date) => flow.quietHours?.shift(at, zone) ?? at;
    const atSend = anchor ? anchorAtSend(anchor, zone, input.now, quietShift) : { send: true };
    if ("skip" in atSend) return skip(atSend.skip);
    if ("postponeTo" in atSend) {
      turn.record("followup_postponed", flow.id, { ...followUp, until: atSend.postponeTo.toISOString(), reason: "date_changed" });
      return { ...turn.result(), currentFlowId: null, fired: false, postponedUntil: atSend.postponeTo };
    }
    // Quiet hours are checked again when it is sent: one that fires late (after an outage) waits for the morning.
    const allowed = flow.quietHours?.shift(input.now, zone);
    if (allowed && allowed > input.now) {
      turn.record("followup_postponed", flow.id, { ...followUp, until: allowed.toISOString(), reason: "quiet_hours" });
      return { ...turn.result(), currentFlowId: null, fired: false, postponedUntil: allowed };
    }
    // VK lets a community write freely only within 24 h of the person's last message; later a
    // message needs an intent, and marketing a newsletter subscription we do not have: not sent.
    const marketing = definition.marketing !== false;
    if (marketing && input.channel === "vk" && input.lastSeenAt && input.now.getTime() - Date.parse(input.lastSeenAt) > vkFreeWindowMs)
      return skip("outside_vk_window");
    turn.purpose = marketing ? "promo" : "service";
    // The frequency cap across flows, counted in the contact's own days; service follow-ups are never capped.
    const caps = { ...this.options.marketingCaps, ...flow.marketingCaps };
    const capped = definition.marketing === false ? undefined : nextAllowedByCap(input.marketingSentAt ?? [], input.now, zone, caps);
    if (capped && definition.overCap === "drop") return skip("capped");
    if (capped) {
      const until = flow.quietHours?.shift(capped, zone) ?? capped;
      turn.record("followup_postponed", flow.id, { ...followUp, until: until.toISOString(), reason: "cap" });
      return { ...turn.result(), currentFlowId: null, fired: false, postponedUntil: until };
    }

    const state = turn.touch(conversation);
    turn.record("followup_fired", flow.id, followUp);
    if (definition.say) turn.send(flow.id, turn.render(definition.say, state, flow));
    if (definition.goto) this.runner(turn).runFrom(flow, state, definition.goto);
    reachExitGoals(turn, this.flows, [conversation]);
    // A yearly one (a birthday) is due again next year, while the contact is still at the step.
    const next =
      anchor?.every === "year" && !definition.goto ? anchoredDueAt(anchor, zone, new Date(input.now.getTime() + 86_400_000)) : undefined;
    if (next && "dueAt" in next) {
      const until = quietShift(next.dueAt);
      turn.record("followup_postponed", flow.id, { ...followUp, until: until.toISOString(), reason: "every_year" });
      // Pending again, it is no fired follow-up the frequency cap would count: this counts it.
      if (marketing) turn.record("marketing_sent", flow.id, { via: "every_year" });
      return { ...turn.result(), currentFlowId: null, fired: true, postponedUntil: until };
    }
    return { ...turn.result(), currentFlowId: null, fired: true };
  }

  /** An event from another system for this contact: the flow that waits for it starts (see event-entry.ts). */
  enterByEvent(input: EventEntryInput): EngineResult & EventEntryOutcome {
    const turn = new EngineTurn(input.contact, input.currentFlowId, input.channel, textFormat, input.now, this.tools);
    const caps = this.options.marketingCaps ?? {};
    const outcome = enterByEvent({ turn, runner: this.runner(turn), flows: this.flows, caps }, input);
    reachExitGoals(turn, this.flows, input.conversations);
    return { ...turn.result(), ...outcome };
  }

  /** A contact silent long enough for a win-back flow enters it, when now is a time to write (see inactivity-entry.ts). */
  enterByInactivity(input: InactivityEntryInput): EngineResult & InactivityEntryOutcome {
    const turn = new EngineTurn(input.contact, input.currentFlowId, input.channel, textFormat, input.now, this.tools);
    const caps = this.options.marketingCaps ?? {};
    const outcome = enterByInactivity({ turn, runner: this.runner(turn), flows: this.flows, caps }, input);
    reachExitGoals(turn, this.flows, input.conversations);
    return { ...turn.result(), ...outcome };
  }

  /** How the store finds an event's contact; undefined for a phone that is no phone number. */
  contactLookup(contact: EventContact): ContactLookup | undefined {
    if (contact.phone !== undefined) {
      const phone = parsePhoneNumberFromString(contact.phone, (this.options.defaultRegion ?? "RU") as CountryCode);
      return phone?.isValid() ? { by: "phone", value: phone.number } : undefined;
    }
    if (contact.email !== undefined) return { by: "email", value: contact.email.trim().toLowerCase() };
    if (contact.telegram_id !== undefined) return { by: "identity", channel: "telegram", externalId: contact.telegram_id };
    if (contact.vk_id !== undefined) return { by: "identity", channel: "vk", externalId: contact.vk_id };
    return contact.contact_id === undefined ? undefined : { by: "contact_id", value: contact.contact_id };
  }

  /**
   * A payment the provider confirmed (paid) or gave up on (canceled, expired), for the order of
   * a pay step; `order` is the order as it stands now. Paid runs the step's `paid` branch — once
   * per order, which the store guarantees — wherever the contact is by now: money taken is
   * always answered. Canceled or expired moves on only while the contact still waits at that
   * step's visit, to the step's branch for it; without one the contact stays, and the next
   * message brings a fresh link.
   */
  settlePayment(input: PaymentSettlementInput): EngineResult {
    const { conversation, order } = input;
    const turn = new EngineTurn(input.contact, null, input.channel, textFormat, input.now, this.tools);
    turn.purpose = "purchase";
    const state = turn.touch(conversation);
    state.order = order;
    const flow = this.flows.version(conversation.flowId, conversation.flowVersion) ?? this.flows.get(conversation.flowId);
    const step = flow?.steps.find((s) => s.id === order.stepId);
    const pay = step?.kind === "pay" ? step.pay : undefined;
    const waitingThere = state.status === "active" && state.stepId === order.stepId && state.visit === input.visit;
    const target =
      input.outcome === "paid"
        ? pay?.paid
        : waitingThere
          ? input.outcome === "expired"
            ? (pay?.expired ?? pay?.canceled)
            : pay?.canceled
          : undefined;
    // The store counts the order once the turn is written; goals and the paid branch see it already.
    if (input.outcome === "paid") turn.contact.orders_count = (turn.contact.orders_count ?? 0) + 1;
    if (flow && target) {
      if (state.status !== "active") state.status = "active";
      this.runner(turn).runFrom(flow, state, target);
    }
    reachExitGoals(turn, this.flows, [conversation]);
    return { ...turn.result(), currentFlowId: null };
  }

  private runner(turn: EngineTurn): StepRunner {
    return new StepRunner(turn, (flow) => this.textsOf(flow), this.options.defaultRegion ?? "RU", this.support);
  }

  /**
   * The bot's own phrases as `flow` says them: its language and wording over the installation's
   * (flows/texts.yaml). Kept per installation wording (a reload brings a new one) and flow version.
   */
  private textsOf(flow: Flow | null): EngineTexts {
    const installation = this.flows.installationTexts;
    const byFlow = this.textsCache.get(installation) ?? new Map<Flow | null, EngineTexts>();
    this.textsCache.set(installation, byFlow);
    const texts = byFlow.get(flow) ?? resolveEngineTexts(flow?.language ?? installation.language, installation.texts, flow?.texts);
    byFlow.set(flow, texts);
    return texts;
  }
}

/** What the event log keeps of an inbound: the text, the press or the start, or what kind of file came (and its caption). */
function messageInData(event: InboundEvent, text: string, received: { key: string; channel: ChannelName }): EventData<"message_in"> {
  if (event.type === "text") return { text, ...received };
  if (event.type === "media") return { type: "media", kind: event.kind, ...(event.caption ? { text: event.caption } : {}), ...received };
  return { ...event, ...received };
}
