import parseDuration from "parse-duration";
import type { EventData, EventType } from "../events/event-catalog.ts";
import type { Flow } from "../flow/flow-schema.ts";
import type { PaymentRequest, PromptOptions, StepOutcome, StepReply, StepTurn, SurveyAnswer } from "../flow/step-kind.ts";
import { kindOf, type Step } from "../flow/step-kinds.ts";
import type { ConversationEvent, ConversationState } from "../model/conversation-state.ts";
import type { InboundEvent } from "../model/inbound-event.ts";
import { type OrderSnapshot, toMinorUnits } from "../model/order.ts";
import type { FileAttachment, OutboundButton, OutboundMessage } from "../model/outbound-message.ts";
import type { EngineTextKey, EngineTexts } from "../texts/engine-texts.ts";
import { decodeButtonPayload, encodeButtonPayload, stepTag } from "./button-payload.ts";
import type { EngineTurn } from "./engine-turn.ts";
import { handOff, type SupportSettings } from "./hand-off.ts";

/** A flow that jumps around without ever waiting is a bug; stop it instead of looping forever. */
const maxStepsPerTurn = 50;

/**
 * Walks a flow's steps within one turn: starts flows, enters steps until one waits, prompts
 * and takes replies. What each step does comes from its kind's module; this is the loop
 * around them and the `StepTurn` they act through.
 */
export class StepRunner {
  constructor(
    private readonly turn: EngineTurn,
    private readonly textsOf: (flow: Flow | null) => EngineTexts,
    private readonly defaultRegion: string,
    private readonly support: SupportSettings,
  ) {}

  /** (Re)starts a flow from its first step; variables start empty, visits keep counting. `event`: the outside event that starts it. */
  start(flow: Flow, existing: ConversationState | undefined, previous: ConversationState | undefined, event?: ConversationEvent): void {
    const { turn } = this;
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
    Object.assign(conversation, {
      flowVersion: flow.version,
      status: "active",
      vars: {},
      stage: null,
      answer: undefined,
      event,
      startedAt: turn.now.toISOString(),
      goalReachedAt: undefined,
    });
    turn.currentFlowId = flow.id;
    turn.record("conversation_started", flow.id, { version: flow.version });
    this.runFrom(flow, conversation, (flow.steps[0] as Step).id);
  }

  /** Enters `stepId` and keeps going until a step waits for the contact or the flow ends. */
  runFrom(flow: Flow, conversation: ConversationState, stepId: string | null): void {
    let next = stepId;
    for (let entered = 0; next !== null; entered++) {
      const step = flow.steps.find((s) => s.id === next);
      if (!step || entered >= maxStepsPerTurn) {
        this.turn.record("flow_error", flow.id, { stepId: next, reason: step ? "too_many_steps_without_waiting" : "unknown_step" });
        break;
      }
      this.turn.enter(conversation, flow, step);
      const outcome = kindOf(step).enter(step, this.stepTurn(flow, conversation, step));
      if ("wait" in outcome) return;
      next = "goto" in outcome ? outcome.goto : null;
    }
    this.end(flow, conversation);
  }

  /** Sends the message or question of the step the contact waits at (again). */
  prompt(flow: Flow, conversation: ConversationState, step: Step, options: PromptOptions = {}): void {
    kindOf(step).waiting?.prompt(step, this.stepTurn(flow, conversation, step), options);
  }

  /**
   * The step again after an FAQ answer, in short (see PromptOptions.repeat), once per visit: a
   * customer asking several questions in a row is not shown the same question after each answer.
   */
  promptAfterAnswer(flow: Flow, conversation: ConversationState, step: Step): void {
    if (conversation.repeatedAfterFaq === conversation.visit) return;
    conversation.repeatedAfterFaq = conversation.visit;
    this.prompt(flow, conversation, step, { repeat: true });
  }

  /** Whether typed text is a reply the step takes (a button's label, a valid answer), rather than, say, a question. */
  takesReply(flow: Flow, conversation: ConversationState, step: Step, text: string): boolean {
    const waiting = kindOf(step).waiting;
    return waiting ? waiting.takesReply(step, text, this.stepTurn(flow, conversation, step)) : true;
  }

  /** Handles the contact's reply at the step they wait at; a press on another visit's button is stale. */
  answer(flow: Flow, conversation: ConversationState, step: Step, event: InboundEvent): void {
    const waiting = kindOf(step).waiting;
    // A kind that never waits: the conversation was interrupted resting on it, so move on from it.
    if (!waiting) {
      this.runFrom(flow, conversation, step.id);
      return;
    }
    const stepTurn = this.stepTurn(flow, conversation, step);
    let reply: StepReply;
    if (event.type === "button") {
      const ref = decodeButtonPayload(event.payload);
      if (!ref || ref.visit !== conversation.visit || ref.tag !== stepTag(flow.id, step.id)) {
        this.turn.record("button_stale", flow.id, { payload: event.payload });
        waiting.prompt(step, stepTurn, { prefix: this.textsOf(flow).staleButton });
        return;
      }
      reply = { button: ref.index };
    } else {
      reply = { text: event.type === "text" ? event.text : "" };
    }
    this.follow(flow, conversation, waiting.reply(step, reply, stepTurn));
  }

  private follow(flow: Flow, conversation: ConversationState, outcome: StepOutcome): void {
    if ("goto" in outcome) this.runFrom(flow, conversation, outcome.goto);
    else if ("end" in outcome) this.end(flow, conversation);
  }

  private end(flow: Flow, conversation: ConversationState): void {
    conversation.status = "ended";
    conversation.stepId = null;
    this.turn.record("conversation_ended", flow.id, { reason: "finished" });
  }

  /** What a step kind may do in this turn, bound to its flow, conversation and step visit. */
  private stepTurn(flow: Flow, conversation: ConversationState, step: Step): StepTurn {
    return new BoundStepTurn(this.turn, flow, conversation, step, this.textsOf(flow), this.defaultRegion, this.support);
  }
}

/**
 * `StepTurn` for one step visit. A class rather than an object of closures: a turn creates one
 * per step it walks, and methods on the prototype cost nothing to create.
 */
class BoundStepTurn implements StepTurn {
  readonly contact: EngineTurn["contact"];
  readonly nextStepId: string | null;
  private readonly stepId: string;
  /** Names the step in button payloads; a hash, so made only when a button is. */
  private tag: string | undefined;

  constructor(
    private readonly turn: EngineTurn,
    private readonly flow: Flow,
    readonly conversation: ConversationState,
    step: Step,
    private readonly texts: EngineTexts,
    readonly defaultRegion: string,
    private readonly support: SupportSettings,
  ) {
    this.contact = turn.contact;
    this.nextStepId = flow.steps[flow.steps.indexOf(step) + 1]?.id ?? null;
    this.stepId = step.id;
  }

  text(key: EngineTextKey): string {
    return this.texts[key];
  }
  render(template: string, extra?: Record<string, unknown>): string {
    return this.turn.render(template, this.conversation, this.flow, extra);
  }
  renderLater(template: string): (extra: Record<string, unknown>) => string {
    return this.turn.renderLater(template, this.conversation, this.flow);
  }
  renderValue(template: string): string {
    return this.turn.renderValue(template, this.conversation, this.flow);
  }
  test(condition: string): boolean {
    return this.turn.test(condition, this.conversation, this.flow);
  }
  read(path: string): unknown {
    return this.turn.read(path, this.conversation);
  }
  assign(path: string, value: unknown): void {
    this.turn.assign(path, value, this.conversation);
  }
  addTag(name: string): void {
    this.turn.addTag(name, this.flow.id);
  }
  removeTag(name: string): void {
    this.turn.removeTag(name, this.flow.id);
  }
  giveConsent(version: string, shownText: string): void {
    this.turn.giveConsent(version, shownText, this.flow.id);
  }
  file(path: string): FileAttachment | undefined {
    return this.flow.files.get(path);
  }
  buttonPayload(index: number): string {
    this.tag ??= stepTag(this.flow.id, this.stepId);
    return encodeButtonPayload({ visit: this.conversation.visit, index, tag: this.tag });
  }
  send(text: string, extra?: Omit<OutboundMessage, "text" | "format">): void {
    this.turn.send(this.flow.id, text, extra);
  }
  handOff(request: { reason: string; stepId: string; say?: string | undefined; resume?: string | undefined }): void {
    const { flow } = this;
    handOff(
      this.turn,
      {
        ...request,
        flowId: flow.id,
        via: "step",
        resume: request.resume ? { flowId: flow.id, stepId: request.resume } : undefined,
        texts: this.texts,
      },
      this.support,
    );
  }
  sendWithPromoCode(pool: string, compose: (code: string) => string, fallback: string): void {
    const { turn, flow } = this;
    turn.effect((position) => ({
      type: "issue_promo_code",
      flowId: flow.id,
      position,
      pool,
      compose: (code) => turn.message(code === undefined ? fallback : compose(code)),
    }));
  }
  sendWithPayment(
    request: Omit<PaymentRequest, "amount"> & { amountText: string },
    compose: (order: OrderSnapshot | undefined) => { text: string; buttons?: OutboundButton[][] },
  ): void {
    const { turn, flow } = this;
    const { amountText, ...rest } = request;
    const amount = toMinorUnits(amountText, request.currency);
    if (amount === undefined) {
      // A price the flow computed wrong is the flow's error: nothing is charged, the customer is told.
      this.record("payment_failed", {
        stepId: request.stepId,
        reason: "bad_amount",
        message: `amount "${amountText}" is no positive price`,
      });
      const { text } = compose(undefined);
      this.send(text);
      return;
    }
    turn.effect((position) => ({
      type: "create_payment",
      flowId: flow.id,
      position,
      request: { ...rest, amount },
      compose: (order) => {
        const { text, buttons } = compose(order);
        return turn.message(text, buttons ? { buttons } : {});
      },
    }));
  }
  record<T extends EventType>(type: T, data: EventData<T>): void {
    this.turn.record(type, this.flow.id, data);
  }
  surveyAskedWithin(surveyId: string, period: string): string | undefined {
    const last = this.contact.surveys_sent?.[surveyId];
    const periodMs = parseDuration(period) ?? 0;
    return last && this.turn.now.getTime() - Date.parse(last) < periodMs ? last : undefined;
  }
  markSurveyAsked(surveyId: string): void {
    this.turn.markSurveyAsked(surveyId);
  }
  saveSurveyAnswer(answer: Omit<SurveyAnswer, "stepId" | "visit">): void {
    const { flow, conversation, stepId } = this;
    this.turn.effect((position) => ({
      type: "save_survey_answer",
      flowId: flow.id,
      position,
      answer: { ...answer, stepId, visit: conversation.visit },
    }));
  }
  notifySupport(text: string): void {
    const { flow } = this;
    this.turn.effect((position) => ({ type: "notify_support", flowId: flow.id, position, text }));
  }
  requestReview(text: string, links: Array<{ label: string; url: string }>, surveyId: string | undefined): void {
    const { turn, flow } = this;
    turn.effect((position) => ({
      type: "request_review",
      flowId: flow.id,
      position,
      surveyId,
      links,
      compose: (buttons) => turn.message(text, { buttons: buttons.map((button) => [button]) }),
    }));
  }
}
