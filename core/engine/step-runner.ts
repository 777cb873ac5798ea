import type { Flow } from "../flow/flow-schema.ts";
import type { PromptOptions, StepOutcome, StepReply, StepTurn } from "../flow/step-kind.ts";
import { kindOf, type Step } from "../flow/step-kinds.ts";
import type { ConversationState } from "../model/conversation-state.ts";
import type { InboundEvent } from "../model/inbound-event.ts";
import type { EngineTexts } from "../texts/engine-texts.ts";
import { decodeButtonPayload, encodeButtonPayload, stepTag } from "./button-payload.ts";
import type { EngineTurn } from "./engine-turn.ts";

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
  ) {}

  /** (Re)starts a flow from its first step; variables start empty, visits keep counting. */
  start(flow: Flow, existing: ConversationState | undefined, previous: ConversationState | undefined): void {
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
    Object.assign(conversation, { flowVersion: flow.version, status: "active", vars: {}, stage: null, answer: undefined });
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
    const { turn } = this;
    const texts = this.textsOf(flow);
    const tag = stepTag(flow.id, step.id);
    return {
      contact: turn.contact,
      conversation,
      nextStepId: flow.steps[flow.steps.indexOf(step) + 1]?.id ?? null,
      defaultRegion: this.defaultRegion,
      text: (key) => texts[key],
      render: (template, extra) => turn.render(template, conversation, flow, extra),
      renderLater: (template) => turn.renderLater(template, conversation, flow),
      renderValue: (template) => turn.renderValue(template, conversation, flow),
      test: (condition) => turn.test(condition, conversation, flow),
      read: (path) => turn.read(path, conversation),
      assign: (path, value) => turn.assign(path, value, conversation),
      addTag: (name) => turn.addTag(name, flow.id),
      removeTag: (name) => turn.removeTag(name, flow.id),
      giveConsent: (version, shownText) => turn.giveConsent(version, shownText, flow.id),
      file: (path) => flow.files.get(path),
      buttonPayload: (index) => encodeButtonPayload({ visit: conversation.visit, index, tag }),
      send: (text, extra) => turn.send(flow.id, text, extra),
      sendWithPromoCode: (pool, compose, fallback) =>
        turn.effect((position) => ({
          type: "issue_promo_code",
          flowId: flow.id,
          position,
          pool,
          compose: (code) => turn.message(code === undefined ? fallback : compose(code)),
        })),
      record: (type, data) => turn.record(type, flow.id, data),
    };
  }
}
