import type { CountryCode } from "libphonenumber-js";
import { assertNever } from "../assert-never.ts";
import { ConditionEvaluator } from "../conditions/condition-evaluator.ts";
import { type FlowCatalog, normaliseKeyword } from "../flow/flow-catalog.ts";
import type { Flow, Step } from "../flow/flow-schema.ts";
import { waitsForButton } from "../flow/step-graph.ts";
import { TemplateRenderer } from "../template/template-renderer.ts";
import { linkCodePlaceholder } from "./account-link.ts";
import { defaultRetryTexts, validateAnswer } from "./answer-validator.ts";
import { decodeButtonPayload, encodeButtonPayload, stepTag } from "./button-payload.ts";
import { EngineTurn } from "./engine-turn.ts";
import type { ChannelName, ContactView, ConversationState, EngineResult, InboundEvent, OutboundButton } from "./engine-types.ts";
import { FaqResponder, looksLikeQuestion } from "./faq-responder.ts";
import { promoCodePlaceholder } from "./promo-code.ts";

/** Texts the engine says on its own behalf. */
export const engineTexts = {
  optedOut: "Вы отписались от сообщений. Чтобы вернуться, напишите /start.",
  optedOutWithConsent: "Вы отписались от сообщений и отозвали согласие на обработку персональных данных. Чтобы вернуться, напишите /start.",
  consentAccept: "Согласен",
  consentDecline: "Не согласен",
  consentDeclined: "Понимаем. Без согласия мы не сможем продолжить. Если передумаете — напишите /start.",
  linkCode: `Чтобы связать аккаунты, отправьте боту в другом мессенджере (Telegram или VK) этот код в течение часа:\n${linkCodePlaceholder}`,
  linked: "Готово, аккаунты связаны: продолжайте там, где вам удобнее.",
  linkInvalid: "Этот код не подошёл: он неверный или устарел. Запросите новый командой /link.",
  staleButton: "Эта кнопка уже неактуальна.",
  chooseButton: "Пожалуйста, выберите вариант на кнопках.",
  noFlow: "Напишите /start, чтобы начать.",
};

/**
 * Flow texts are written in simple HTML on every channel. VK has no markup, but its adapter
 * turns the HTML into plain text (tags dropped, entities decoded): rendering VK as plain here
 * would leave an author's own `<b>` visible.
 */
const textFormats: Record<ChannelName, "html" | "plain"> = { web: "html", telegram: "html", vk: "html" };
/** The consent step's two buttons: give, decline. */
function consentLabels(step: Extract<Step, { kind: "consent" }>): [string, string] {
  return [step.consent.accept ?? engineTexts.consentAccept, step.consent.decline ?? engineTexts.consentDecline];
}

/** Words that unsubscribe like /stop (compared without case and punctuation). */
const stopWords = new Set(["стоп", "отписаться", "отписка", "stop", "unsubscribe"]);

/** A flow that jumps around without ever waiting is a bug; stop it instead of looping forever. */
const maxStepsPerTurn = 50;

export interface HandleInput {
  contact: ContactView;
  /** All conversations of the contact (one per flow). */
  conversations: ConversationState[];
  currentFlowId: string | null;
  channel: ChannelName;
  event: InboundEvent;
  now: Date;
  /** The store redeemed a link code this event carried (see account-link.ts). */
  linkResult?: "linked" | "invalid" | undefined;
}

export interface FollowUpInput {
  contact: ContactView;
  conversation: ConversationState;
  followUp: { visit: number; stepId: string; index: number };
  channel: ChannelName;
  now: Date;
}

/**
 * The flow engine: given state and an event it returns what should happen (messages, state,
 * follow-ups, events) and sends nothing, so it runs the same under tests, the CLI and the app.
 */
export class Engine {
  private readonly tools = { templates: new TemplateRenderer(), conditions: new ConditionEvaluator() };
  private readonly faq = new FaqResponder();

  constructor(
    readonly flows: FlowCatalog,
    private readonly options: { defaultRegion: CountryCode } = { defaultRegion: "RU" },
  ) {}

  handle(input: HandleInput): EngineResult {
    const turn = new EngineTurn(input.contact, input.currentFlowId, input.channel, textFormats[input.channel], input.now, this.tools);
    const { event } = input;
    const text = event.type === "text" ? event.text.trim() : "";
    turn.record("message_in", input.currentFlowId, event.type === "text" ? { text } : { ...event });
    const conversationOf = (flowId: string | null) => input.conversations.find((c) => c.flowId === flowId);

    if (/^\/stop(@\w+)?$/i.test(text) || stopWords.has(normaliseKeyword(text))) {
      const hadConsent = Boolean(turn.contact.consent);
      turn.setOptedOut(true);
      turn.withdrawConsent();
      turn.sendPlain(input.currentFlowId, hadConsent ? engineTexts.optedOutWithConsent : engineTexts.optedOut);
      return turn.result();
    }

    if (input.linkResult) {
      turn.sendPlain(input.currentFlowId, input.linkResult === "linked" ? engineTexts.linked : engineTexts.linkInvalid);
      return turn.result();
    }
    if (/^\/link(@\w+)?$/i.test(text) || normaliseKeyword(text) === "связать аккаунты") {
      turn.send(input.currentFlowId, engineTexts.linkCode, { linkCode: true });
      return turn.result();
    }

    const startCommand = /^\/start(?:@\w+)?(?:\s+(\S+))?$/i.exec(text);
    if (event.type === "start" || startCommand) {
      turn.setOptedOut(false);
      const payload = event.type === "start" ? event.payload : startCommand?.[1];
      if (payload) turn.recordSource(payload);
      const flow =
        (event.type === "start" && event.flowId ? this.flows.get(event.flowId) : undefined) ??
        (payload ? this.flows.byStartPayload(payload) : undefined) ??
        this.flows.defaultFlow();
      if (flow) this.start(turn, flow, conversationOf(flow.id), conversationOf(input.currentFlowId));
      else turn.sendPlain(null, engineTexts.noFlow);
      return turn.result();
    }

    const current = conversationOf(input.currentFlowId);
    const active = current?.status === "active" ? current : undefined;
    const resumed = active ? this.resume(turn, active) : undefined;
    const flow = resumed?.flow;
    const step = flow ? flow.steps.find((s) => s.id === resumed?.stepId) : undefined;

    const byKeyword = event.type === "text" && step?.kind !== "ask" ? this.flows.byKeyword(text) : undefined;
    if (byKeyword) {
      turn.recordSource(`keyword:${byKeyword.keyword}`);
      this.start(turn, byKeyword.flow, conversationOf(byKeyword.flow.id), current);
      return turn.result();
    }

    const matcher = this.flows.faqFor(active ? flow : undefined);
    if (this.faq.pressed(turn, matcher, event, flow?.id ?? null)) {
      if (active && flow && step) this.prompt(turn, flow, turn.touch(active), step, undefined, true);
      return turn.result();
    }

    if (active && flow && step) {
      const conversation = turn.touch(active);
      // A question instead of a reply: answered from the knowledge base, then the step again.
      if (event.type === "text" && !this.isReply(step, text)) {
        const where = { flow, conversation, stepId: step.id };
        if (this.faq.respond(turn, matcher, text, where) !== "none") {
          this.prompt(turn, flow, conversation, step, undefined, true);
          return turn.result();
        }
      }
      this.answer(turn, flow, conversation, step, event);
      return turn.result();
    }

    if (event.type === "text" && this.faq.respond(turn, matcher, text, { flow: null, conversation: null, stepId: null }) !== "none") {
      return turn.result();
    }
    const defaultFlow = this.flows.defaultFlow();
    if (event.type === "button") turn.sendPlain(null, engineTexts.staleButton);
    else if (defaultFlow && !conversationOf(defaultFlow.id)) this.start(turn, defaultFlow, undefined, current);
    else turn.sendPlain(null, engineTexts.noFlow);
    return turn.result();
  }

  /** Runs a due follow-up, or skips it when the contact moved on, opted out or `unless` holds. */
  fireFollowUp(input: FollowUpInput): EngineResult & { fired: boolean } {
    const { conversation, followUp } = input;
    const turn = new EngineTurn(input.contact, null, input.channel, textFormats[input.channel], input.now, this.tools);
    turn.currentFlowId = null;
    const skip = (reason: string) => {
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

    const state = turn.touch(conversation);
    turn.record("followup_fired", flow.id, { ...followUp });
    if (definition.say) turn.send(flow.id, turn.render(definition.say, state, flow));
    if (definition.goto) this.runFrom(turn, flow, state, definition.goto);
    return { ...turn.result(), currentFlowId: null, fired: true };
  }

  /**
   * The version a running conversation continues on: the one it started on, or the current
   * one when that declares `migrate` and has the (mapped) step, in which case the conversation
   * moves over now. An unknown old version falls back to the current one.
   */
  private resume(turn: EngineTurn, conversation: ConversationState): { flow: Flow | undefined; stepId: string | null } {
    const current = this.flows.get(conversation.flowId);
    if (!current || current.version === conversation.flowVersion) return { flow: current, stepId: conversation.stepId };
    const mapped = conversation.stepId ? (current.migrate?.steps[conversation.stepId] ?? conversation.stepId) : null;
    if (current.migrate && mapped && current.steps.some((s) => s.id === mapped)) {
      const moved = Object.assign(turn.touch(conversation), { flowVersion: current.version, stepId: mapped });
      turn.record("flow_migrated", current.id, { from: conversation.flowVersion, to: current.version, step: mapped });
      return { flow: current, stepId: moved.stepId };
    }
    return { flow: this.flows.version(conversation.flowId, conversation.flowVersion) ?? current, stepId: conversation.stepId };
  }

  /** (Re)starts a flow from its first step; variables start empty, visits keep counting. */
  private start(turn: EngineTurn, flow: Flow, existing: ConversationState | undefined, previous: ConversationState | undefined): void {
    if (previous && previous.flowId !== flow.id && previous.status === "active") {
      // The contact moved to another flow: the old one ends, and with it its follow-ups.
      Object.assign(turn.touch(previous), { status: "ended", stepId: null });
      turn.record("conversation_ended", previous.flowId, { reason: "switched", to: flow.id });
    }
    const conversation = turn.touch(
      existing ?? {
        flowId: flow.id,
        flowVersion: flow.version,
        stepId: null,
        visit: 0,
        stage: null,
        status: "active",
        vars: {},
        attempts: 0,
      },
    );
    Object.assign(conversation, { flowVersion: flow.version, status: "active", vars: {}, stage: null, answer: undefined });
    turn.currentFlowId = flow.id;
    turn.record("conversation_started", flow.id, { version: flow.version });
    this.runFrom(turn, flow, conversation, (flow.steps[0] as Step).id);
  }

  /** Enters `stepId` and keeps going until a step waits for the contact or the flow ends. */
  private runFrom(turn: EngineTurn, flow: Flow, conversation: ConversationState, stepId: string | null): void {
    let next = stepId;
    for (let entered = 0; next !== null; entered++) {
      const step = flow.steps.find((s) => s.id === next);
      if (!step || entered >= maxStepsPerTurn) {
        turn.record("flow_error", flow.id, { stepId: next, reason: step ? "too_many_steps_without_waiting" : "unknown_step" });
        break;
      }
      turn.enter(conversation, flow, step);
      const outcome = this.execute(turn, flow, conversation, step);
      if (outcome === WAIT) return;
      next = outcome;
    }
    conversation.status = "ended";
    conversation.stepId = null;
    turn.record("conversation_ended", flow.id, { reason: "finished" });
  }

  /** Performs a step on entry; returns the next step id, WAIT, or null for the end. */
  private execute(turn: EngineTurn, flow: Flow, conversation: ConversationState, step: Step): string | typeof WAIT | null {
    const after = (explicit: string | undefined) => explicit ?? nextStepId(flow, step);
    switch (step.kind) {
      case "message":
        this.prompt(turn, flow, conversation, step);
        return waitsForButton(step) ? WAIT : after(step.goto);
      case "ask":
        this.prompt(turn, flow, conversation, step);
        return WAIT;
      case "branch": {
        const taken = step.branches.find((b) => turn.test(b.when, conversation, flow));
        return taken ? taken.goto : after(step.else);
      }
      case "set":
        for (const [path, value] of Object.entries(step.set)) {
          turn.assign(path, typeof value === "string" ? turn.renderValue(value, conversation, flow) : value, conversation);
        }
        return after(step.goto);
      case "tag":
        for (const tag of step.tag.add ?? []) turn.addTag(tag, flow.id);
        for (const tag of step.tag.remove ?? []) turn.removeTag(tag, flow.id);
        return after(step.goto);
      case "goto":
        return step.goto;
      case "magnet":
        this.deliverMagnet(turn, flow, conversation, step);
        return after(step.goto);
      case "consent":
        // Given before (this version, not withdrawn): nothing to ask.
        if (turn.contact.consent?.version === step.consent.version) return after(step.goto);
        this.prompt(turn, flow, conversation, step);
        return WAIT;
      case "end":
        if (typeof step.end === "string") turn.send(flow.id, turn.render(step.end, conversation, flow));
        return null;
      default:
        return assertNever(step);
    }
  }

  /**
   * Sends the magnet (file, link or a promo code the store fills in) and records the lead with
   * its source and stage. Without the required fields nothing is delivered: the flow check
   * makes every way here ask for them, so this only guards against fields cleared meanwhile.
   */
  private deliverMagnet(turn: EngineTurn, flow: Flow, conversation: ConversationState, step: Extract<Step, { kind: "magnet" }>): void {
    const { magnet } = step;
    const missing = (magnet.requires ?? []).filter((path) => [undefined, null, ""].includes(turn.read(path, conversation) as string));
    if (missing.length > 0) {
      turn.record("flow_error", flow.id, { step: step.id, reason: "magnet_requirements_missing", missing });
      return;
    }
    const file = magnet.file ? flow.files.get(magnet.file) : undefined;
    const text = turn.render(magnet.say, conversation, flow, { magnet: { name: magnet.name, code: promoCodePlaceholder } });
    turn.send(flow.id, text, {
      ...(file ? { file } : {}),
      ...(magnet.link ? { buttons: [[{ label: magnet.button ?? "Открыть", url: magnet.link }]] } : {}),
      ...(magnet.promo ? { promo: { pool: magnet.promo, fallback: turn.render(magnet.fallback ?? "", conversation, flow) } } : {}),
    });
    turn.record("lead", flow.id, {
      magnet: magnet.name,
      kind: file ? "file" : magnet.link ? "link" : "promo",
      stage: conversation.stage,
      first_source: turn.contact.first_source ?? null,
      last_source: turn.contact.last_source ?? null,
    });
  }

  /**
   * Whether typed text is a reply the step takes: a button's text, a valid answer. A question
   * (ending in «?») at a free-text question counts as a question, not as the answer.
   */
  private isReply(step: Step, text: string): boolean {
    const same = (label: string) => label.toLowerCase() === text.trim().toLowerCase();
    switch (step.kind) {
      case "message":
        return (step.buttons ?? []).some((b) => same(b.text));
      case "consent":
        return consentLabels(step).some(same);
      case "ask":
        if (step.ask.type === "text" && looksLikeQuestion(text)) return false;
        return validateAnswer(step.ask, text, this.options.defaultRegion).ok;
      default:
        return true;
    }
  }

  /**
   * Sends the message or question of a waiting step, with its buttons. `repeat`: shown again
   * after an answer from the knowledge base, without its file.
   */
  private prompt(turn: EngineTurn, flow: Flow, conversation: ConversationState, step: Step, prefix?: string, repeat = false): void {
    const tag = stepTag(flow.id, step.id);
    const payload = (index: number) => encodeButtonPayload({ visit: conversation.visit, index, tag });
    if (step.kind === "message") {
      const buttons: OutboundButton[][] | undefined = step.buttons?.map((b, index) =>
        "url" in b ? [{ label: b.text, url: b.url }] : [{ label: b.text, payload: payload(index) }],
      );
      // A repeated prompt (stale button, invalid answer) does not send the file again.
      const file = step.file && !prefix && !repeat ? flow.files.get(step.file) : undefined;
      turn.send(flow.id, withPrefix(prefix, turn.render(step.say, conversation, flow)), {
        ...(buttons ? { buttons } : {}),
        ...(file ? { file } : {}),
      });
    } else if (step.kind === "consent") {
      const labels = consentLabels(step);
      const text = withPrefix(prefix, turn.render(step.consent.text, conversation, flow));
      turn.send(flow.id, text, { buttons: labels.map((label, index) => [{ label, payload: payload(index) }]) });
    } else if (step.kind === "ask") {
      const buttons = step.ask.options?.map((label, index) => [{ label, payload: payload(index) }]);
      const text = withPrefix(prefix, turn.render(step.ask.text, conversation, flow));
      turn.send(flow.id, text, { expects: step.ask.type, ...(buttons ? { buttons } : {}) });
    }
  }

  /** Handles the contact's reply at a waiting step. */
  private answer(turn: EngineTurn, flow: Flow, conversation: ConversationState, step: Step, event: InboundEvent): void {
    const ref = event.type === "button" ? decodeButtonPayload(event.payload) : undefined;
    const fresh = ref !== undefined && ref.visit === conversation.visit && ref.tag === stepTag(flow.id, step.id);
    if (event.type === "button" && !fresh) {
      turn.record("button_stale", flow.id, { payload: event.payload });
      this.prompt(turn, flow, conversation, step, engineTexts.staleButton);
      return;
    }
    const text = event.type === "text" ? event.text : "";

    if (step.kind === "message") {
      const buttons = step.buttons ?? [];
      const index = fresh ? ref.index : buttons.findIndex((b) => b.text.toLowerCase() === text.trim().toLowerCase());
      const pressed = buttons[index];
      if (pressed && "goto" in pressed) this.runFrom(turn, flow, conversation, pressed.goto);
      else this.prompt(turn, flow, conversation, step, engineTexts.chooseButton);
      return;
    }
    if (step.kind === "consent") {
      const labels = consentLabels(step);
      const index = fresh ? ref.index : labels.findIndex((l) => l.toLowerCase() === text.trim().toLowerCase());
      if (index === 0) {
        turn.giveConsent(step.consent.version, turn.render(step.consent.text, conversation, flow), flow.id);
        this.runFrom(turn, flow, conversation, step.goto ?? nextStepId(flow, step));
      } else if (index === 1) {
        turn.record("consent_declined", flow.id, { version: step.consent.version });
        if (step.declined) this.runFrom(turn, flow, conversation, step.declined);
        else {
          turn.sendPlain(flow.id, engineTexts.consentDeclined);
          this.runFrom(turn, flow, conversation, null);
        }
      } else {
        this.prompt(turn, flow, conversation, step, engineTexts.chooseButton);
      }
      return;
    }
    if (step.kind === "ask") {
      const given = fresh ? (step.ask.options?.[ref.index] ?? "") : text;
      const check = validateAnswer(step.ask, given, this.options.defaultRegion);
      if (!check.ok) {
        conversation.attempts += 1;
        turn.record("answer_invalid", flow.id, { stepId: step.id, attempts: conversation.attempts });
        const retry = step.ask.retry ? turn.render(step.ask.retry, conversation, flow) : defaultRetryTexts[step.ask.type];
        this.prompt(turn, flow, conversation, step, retry);
        return;
      }
      conversation.answer = check.value;
      turn.assign(step.ask.save, check.value, conversation);
      this.runFrom(turn, flow, conversation, step.goto ?? nextStepId(flow, step));
      return;
    }
    // Other kinds never wait; a conversation resting on one was interrupted: move on from it.
    this.runFrom(turn, flow, conversation, step.id);
  }
}

const WAIT = Symbol("wait");

function nextStepId(flow: Flow, step: Step): string | null {
  const index = flow.steps.indexOf(step);
  return flow.steps[index + 1]?.id ?? null;
}

function withPrefix(prefix: string | undefined, text: string): string {
  return prefix ? `${prefix}\n\n${text}` : text;
}
