import { createHash } from "node:crypto";
import { IANAZone } from "luxon";
import parseDuration from "parse-duration";
import type { ConditionEvaluator } from "../conditions/condition-evaluator.ts";
import type { DomainEvent, EventData, EventType } from "../events/event-catalog.ts";
import type { Flow } from "../flow/flow-schema.ts";
import type { Step } from "../flow/step-kinds.ts";
import type { ChannelName } from "../model/channel-name.ts";
import { builtinContactFields, type ContactView, contactFieldValue } from "../model/contact-view.ts";
import type { ConversationState } from "../model/conversation-state.ts";
import type { MessagePurpose, OutboundButton, OutboundMessage } from "../model/outbound-message.ts";
import { phoneTimeZone } from "../model/phone-time-zone.ts";
import type { TemplateRenderer, TextFormat } from "../template/template-renderer.ts";
import { anchoredDueAt } from "./date-anchor.ts";
import type { EngineResult, FollowUpPlan } from "./engine-types.ts";
import type { TurnEffect } from "./turn-effect.ts";

export interface TurnTools {
  templates: TemplateRenderer;
  conditions: ConditionEvaluator;
}

/**
 * The working copy of one turn: the engine mutates it while walking steps and hands the
 * collected result to the runtime at the end. Nothing here has side effects outside itself.
 */
export class EngineTurn {
  readonly contact: ContactView;
  private contactChanged = false;
  private readonly touched = new Map<string, ConversationState>();
  private readonly outbound: EngineResult["outbound"] = [];
  private readonly effects: TurnEffect[] = [];
  private readonly followUps: FollowUpPlan[] = [];
  private readonly events: DomainEvent[] = [];

  constructor(
    contact: ContactView,
    public currentFlowId: string | null,
    readonly channel: ChannelName,
    readonly format: TextFormat,
    readonly now: Date,
    private readonly tools: TurnTools,
  ) {
    this.contact = structuredClone(contact);
  }

  /** Marks a conversation as changed by this turn and returns the copy to change. */
  touch(conversation: ConversationState): ConversationState {
    const existing = this.touched.get(conversation.flowId);
    if (existing) return existing;
    const copy = structuredClone(conversation);
    this.touched.set(copy.flowId, copy);
    return copy;
  }

  /** Appends an event to the turn's log; its payload is typed by the event catalog. */
  record<T extends EventType>(type: T, flowId: string | null, data: EventData<T>): void {
    this.events.push((flowId ? { type, flowId, data } : { type, data }) as DomainEvent);
  }

  /**
   * Asks for work only the store or a service can do. `build` gets the message's position:
   * an effect that answers the contact slots its message in there, after those sent so far.
   */
  effect(build: (position: number) => TurnEffect): void {
    this.effects.push(build(this.outbound.length));
  }

  /** What the turn's messages are for when they answer nothing the person wrote (a follow-up, a payment, staff). */
  purpose: MessagePurpose | undefined;

  /** The message as the format of this channel wants it. */
  message(text: string, extra: Omit<OutboundMessage, "text" | "format"> = {}): OutboundMessage {
    return { text, format: this.format, ...(this.purpose ? { purpose: this.purpose } : {}), ...extra };
  }

  scope(conversation: ConversationState | null, flow: Flow | null): Record<string, unknown> {
    const { fields, tags, optedOut: _optedOut, id: _id, ...builtins } = this.contact;
    return {
      contact: { ...fields, ...builtins, tags },
      vars: conversation?.vars ?? {},
      answer: conversation?.answer ?? null,
      order: conversation?.order ?? {},
      event: conversation?.event ?? {},
      flow: flow ? { id: flow.id, title: flow.title } : {},
    };
  }

  render(template: string, conversation: ConversationState | null, flow: Flow | null, extra: Record<string, unknown> = {}): string {
    return this.tools.templates.render(template, { ...this.scope(conversation, flow), ...extra }, this.format);
  }

  /** Renders later with the values of now: the contact and variables are copied at this call. */
  renderLater(template: string, conversation: ConversationState | null, flow: Flow | null): (extra: Record<string, unknown>) => string {
    const scope = structuredClone(this.scope(conversation, flow));
    return (extra) => this.tools.templates.render(template, { ...scope, ...extra }, this.format);
  }

  /** The time zone the contact lives in: their own, else the flow's (that of its quiet hours). */
  zoneOf(flow: Flow): string {
    return this.contact.timezone ?? flow.quietHours?.zone ?? "Europe/Moscow";
  }

  /** The value at a dotted path of the template scope (`vars.class_at`, `event.order.paid_at`); undefined where there is none. */
  lookUp(path: string, conversation: ConversationState, flow: Flow): unknown {
    let value: unknown = this.scope(conversation, flow);
    for (const key of path.split("."))
      value = value !== null && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined;
    return value;
  }

  /** The value at `contact.<field>` or `vars.<name>`. */
  read(path: string, conversation: ConversationState): unknown {
    const [scopeName, name] = path.split(".", 2) as [string, string];
    return scopeName === "vars" ? conversation.vars[name] : contactFieldValue(this.contact, name);
  }

  /**
   * A condition that fails at run time (e.g. comparing a text answer with a number) counts as
   * false and is logged as a flow error: the contact must never be stuck on a broken condition.
   */
  test(condition: string, conversation: ConversationState, flow: Flow): boolean {
    try {
      return this.tools.conditions.test(condition, this.scope(conversation, flow));
    } catch (error) {
      this.record("flow_error", flow.id, { condition, reason: "condition_failed", message: (error as Error).message });
      return false;
    }
  }

  /** Renders a value to store in a field or variable: nothing is escaped. */
  renderValue(template: string, conversation: ConversationState, flow: Flow): string {
    return this.tools.templates.render(template, this.scope(conversation, flow), "plain");
  }

  /** Queues a message; `text` is already rendered. */
  send(flowId: string | null, text: string, extra: Omit<OutboundMessage, "text" | "format"> = {}): void {
    const message = this.message(text, extra);
    this.outbound.push({ flowId, message });
    this.record("message_out", flowId, messageOutData(message));
  }

  /** Text as a person wrote it (staff in the support group): sent without markup. */
  plain(text: string): OutboundMessage {
    return { text, format: "plain", ...(this.purpose ? { purpose: this.purpose } : {}) };
  }

  /** Queues what a person wrote, as they wrote it (or the file they sent, to copy). */
  sendPlain(flowId: string | null, text: string, extra: Pick<OutboundMessage, "copy" | "carry"> = {}): void {
    const message = { ...this.plain(text), ...extra };
    this.outbound.push({ flowId, message });
    this.record("message_out", flowId, messageOutData(message));
  }

  /** Text the engine says on its own behalf (no template data involved). */
  say(flowId: string | null, text: string, buttons?: OutboundButton[][]): void {
    this.send(flowId, text, buttons ? { buttons } : {});
  }

  /** Stores a value at `contact.<field>` or `vars.<name>`. */
  assign(path: string, value: unknown, conversation: ConversationState): void {
    const [scopeName, name] = path.split(".", 2) as [string, string];
    if (scopeName === "vars") {
      conversation.vars[name] = value;
      return;
    }
    if (name === "timezone" && value !== null && !IANAZone.isValidZone(String(value))) {
      // An unknown zone would break every quiet-hours check of the contact: it is not kept.
      this.record("flow_error", conversation.flowId, { stepId: conversation.stepId, reason: "bad_time_zone" });
      return;
    }
    if ((builtinContactFields as readonly string[]).includes(name)) {
      (this.contact as unknown as Record<string, unknown>)[name] = value === null ? null : String(value);
      // A phone whose country has one time zone tells the contact's, unless they have one already.
      if (name === "phone" && value !== null && !this.contact.timezone) {
        const zone = phoneTimeZone(String(value));
        if (zone) this.contact.timezone = zone;
      }
    } else {
      this.contact.fields[name] = value;
    }
    this.contactChanged = true;
    this.record("field_set", conversation.flowId, { field: name, value });
  }

  /** The survey is put to the contact now: kept on the contact, where every flow's cap reads it. */
  markSurveyAsked(surveyId: string): void {
    this.contact.surveys_sent = { ...this.contact.surveys_sent, [surveyId]: this.now.toISOString() };
    this.contactChanged = true;
  }

  addTag(tag: string, flowId: string | null): void {
    if (this.contact.tags.includes(tag)) return;
    this.contact.tags.push(tag);
    this.contactChanged = true;
    this.record("tag_added", flowId, { tag });
  }

  removeTag(tag: string, flowId: string): void {
    if (!this.contact.tags.includes(tag)) return;
    this.contact.tags = this.contact.tags.filter((t) => t !== tag);
    this.contactChanged = true;
    this.record("tag_removed", flowId, { tag });
  }

  setOptedOut(optedOut: boolean): void {
    if (this.contact.optedOut === optedOut) return;
    this.contact.optedOut = optedOut;
    this.contactChanged = true;
    this.record(optedOut ? "opted_out" : "opted_in", this.currentFlowId, {});
  }

  /** Records consent to process personal data: the version, a hash of the text shown, when and where. */
  giveConsent(version: string, shownText: string, flowId: string): void {
    this.contact.consent = { version, at: this.now.toISOString(), channel: this.channel };
    this.contactChanged = true;
    const textSha256 = createHash("sha256").update(shownText).digest("hex");
    this.record("consent_given", flowId, { version, text_sha256: textSha256, channel: this.channel, at: this.contact.consent.at });
  }

  /** Consent is withdrawn (unsubscribe): it no longer covers marketing messages or new personal data. */
  withdrawConsent(): void {
    if (!this.contact.consent) return;
    this.record("consent_withdrawn", this.currentFlowId, { version: this.contact.consent.version, channel: this.channel });
    this.contact.consent = null;
    this.contactChanged = true;
  }

  /** Attribution: the first source is kept forever, the last one follows every new entry. */
  recordSource(source: string): void {
    this.contact.first_source ??= source;
    this.contact.last_source = source;
    this.contactChanged = true;
    this.record("source_recorded", this.currentFlowId, { source, first: this.contact.first_source });
  }

  /** Step entry bookkeeping: new visit, stage change, follow-ups of this visit. */
  enter(conversation: ConversationState, flow: Flow, step: Step): void {
    conversation.visit += 1;
    conversation.stepId = step.id;
    conversation.attempts = 0;
    this.record("step_entered", flow.id, { stepId: step.id, visit: conversation.visit });
    if (step.stage && step.stage !== conversation.stage) {
      this.record("stage_changed", flow.id, { from: conversation.stage, to: step.stage, stepId: step.id });
      conversation.stage = step.stage;
    }
    const quiet = flow.quietHours;
    step.followUps?.forEach((followUp, index) => {
      let due = new Date(this.now.getTime() + (parseDuration(followUp.after ?? "0s") ?? 0));
      if (followUp.on) {
        const anchored = anchoredDueAt({ ...followUp, value: this.lookUp(followUp.on, conversation, flow) }, this.zoneOf(flow), this.now);
        if ("skip" in anchored) {
          this.record("followup_skipped", flow.id, { visit: conversation.visit, stepId: step.id, index, reason: anchored.skip });
          return;
        }
        due = anchored.dueAt;
      }
      // In the contact's own time zone where it is known.
      const dueAt = quiet ? quiet.shift(due, this.contact.timezone ?? undefined) : due;
      const plan: FollowUpPlan = {
        flowId: flow.id,
        visit: conversation.visit,
        stepId: step.id,
        index,
        dueAt,
        marketing: followUp.marketing !== false,
      };
      this.followUps.push(dueAt.getTime() === due.getTime() ? plan : { ...plan, heldBackFrom: due });
    });
  }

  /** The conversations this turn changed, as they stand now. */
  touchedConversations(): IterableIterator<ConversationState> {
    return this.touched.values();
  }

  result(): EngineResult {
    return {
      contact: this.contact,
      contactChanged: this.contactChanged,
      currentFlowId: this.currentFlowId,
      conversations: [...this.touched.values()],
      outbound: this.outbound,
      effects: this.effects,
      followUps: this.followUps,
      events: this.events,
    };
  }
}

/** What the event log keeps of a message sent: its text, button labels and file name. */
export function messageOutData(message: OutboundMessage): EventData<"message_out"> {
  return {
    text: message.text,
    ...(message.buttons ? { buttons: message.buttons.flat().map((b) => b.label) } : {}),
    ...(message.file ? { file: message.file.name } : {}),
  };
}
