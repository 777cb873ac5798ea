import type { EventData } from "../events/event-catalog.ts";
import { type FaqMatcher, faqReaction } from "../faq/faq-matcher.ts";
import type { FaqEntry } from "../faq/faq-schema.ts";
import { looksLikeQuestion } from "../faq/looks-like-question.ts";
import type { Flow } from "../flow/flow-schema.ts";
import type { ConversationState } from "../model/conversation-state.ts";
import type { InboundEvent } from "../model/inbound-event.ts";
import type { EngineTexts } from "../texts/engine-texts.ts";
import type { EngineTurn } from "./engine-turn.ts";

/** Button payloads of the knowledge base: an entry («did you mean») or the offer of a human. */
const entryPayload = (id: string) => `f|${id}`;
export const faqHumanPayload = "h|";

export type FaqOutcome = "answered" | "suggested" | "unanswered" | "none";

/**
 * Answers customers' questions from the knowledge base: a confident match is answered, a
 * likely one offers up to three «did you mean» buttons and a human, a question with no match
 * is recorded for the marketers (`orkestr faq unanswered`) and a human is offered.
 */
export class FaqResponder {
  /** Handles a press on a «did you mean» button; false when the payload is not one («talk to a person» is the handoff's). */
  pressed(turn: EngineTurn, matcher: FaqMatcher | undefined, event: InboundEvent, flowId: string | null): boolean {
    if (event.type !== "button") return false;
    if (!event.payload.startsWith("f|")) return false;
    const entry = matcher?.entries.find((e) => `f|${e.id}` === event.payload);
    if (!entry) return false;
    this.sendAnswer(turn, entry, flowId, null, { confidence: 1, via: "suggestion" });
    return true;
  }

  /**
   * Responds to `text` if the knowledge base knows it. `mustAnswer`: the text is no valid reply
   * to the step, so anything that reads like a question gets at least «not found».
   */
  respond(
    turn: EngineTurn,
    matcher: FaqMatcher | undefined,
    text: string,
    where: { flow: Flow | null; conversation: ConversationState | null; stepId: string | null },
    texts: EngineTexts,
  ): FaqOutcome {
    // Without a knowledge base there is nothing to answer from: the flow handles the text.
    if (!matcher) return "none";
    const flowId = where.flow?.id ?? null;
    const reaction = faqReaction(matcher.match(text, 3));
    if (reaction.kind === "answer") {
      this.sendAnswer(turn, reaction.match.entry, flowId, where, { confidence: reaction.match.confidence, via: "match", question: text });
      return "answered";
    }
    if (reaction.kind === "suggest") {
      const likely = reaction.matches;
      turn.record("faq_suggested", flowId, { question: text, entries: likely.map((m) => m.entry.id) });
      turn.say(flowId, texts.faqDidYouMean, [
        ...likely.map((m) => [{ label: shortLabel(m.entry.questions[0] as string), payload: entryPayload(m.entry.id) }]),
        [{ label: texts.faqAskHuman, payload: faqHumanPayload }],
      ]);
      return "suggested";
    }
    if (!looksLikeQuestion(text)) return "none";
    turn.record("faq_unanswered", flowId, { question: text, step: where.stepId });
    turn.say(flowId, texts.faqNotFound, [[{ label: texts.faqAskHuman, payload: faqHumanPayload }]]);
    return "unanswered";
  }

  private sendAnswer(
    turn: EngineTurn,
    entry: FaqEntry,
    flowId: string | null,
    where: { flow: Flow | null; conversation: ConversationState | null } | null,
    data: Omit<EventData<"faq_answered">, "entry">,
  ): void {
    turn.record("faq_answered", flowId, { entry: entry.id, ...data });
    const text = turn.render(entry.answer, where?.conversation ?? null, where?.flow ?? null);
    const buttons = entry.buttons?.map((b) => [{ label: b.text, url: b.url }]);
    turn.send(flowId, text, buttons ? { buttons } : {});
  }
}

function shortLabel(question: string): string {
  return question.length > 40 ? `${question.slice(0, 39)}…` : question;
}
