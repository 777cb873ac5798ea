import { type FaqMatcher, faqThresholds } from "../faq/faq-matcher.ts";
import type { FaqEntry } from "../faq/faq-schema.ts";
import type { Flow } from "../flow/flow-schema.ts";
import type { EngineTurn } from "./engine-turn.ts";
import type { ConversationState, InboundEvent } from "./engine-types.ts";

export const faqTexts = {
  didYouMean: "Возможно, вы спрашиваете об этом:",
  notFound: "Не нашёл готового ответа на этот вопрос.",
  askHuman: "Позвать менеджера",
  humanRequested: "Передал ваш вопрос менеджеру — он ответит здесь же в рабочее время.",
};

/** Button payloads of the knowledge base: an entry («did you mean») or the offer of a human. */
const entryPayload = (id: string) => `f|${id}`;
const humanPayload = "h|";

export type FaqOutcome = "answered" | "suggested" | "unanswered" | "none";

/**
 * Answers customers' questions from the knowledge base: a confident match is answered, a
 * likely one offers up to three «did you mean» buttons and a human, a question with no match
 * is recorded for the marketers (`orkestr faq unanswered`) and a human is offered.
 */
export class FaqResponder {
  /** Handles a press on one of its own buttons; false when the payload is not one. */
  pressed(turn: EngineTurn, matcher: FaqMatcher | undefined, event: InboundEvent, flowId: string | null): boolean {
    if (event.type !== "button") return false;
    if (event.payload === humanPayload) {
      turn.record("handoff_requested", flowId, {});
      turn.sendPlain(flowId, faqTexts.humanRequested);
      return true;
    }
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
  ): FaqOutcome {
    // Without a knowledge base there is nothing to answer from: the flow handles the text.
    if (!matcher) return "none";
    const flowId = where.flow?.id ?? null;
    const matches = matcher.match(text, 3);
    const best = matches[0];
    if (best && best.confidence >= faqThresholds.answerFrom) {
      this.sendAnswer(turn, best.entry, flowId, where, { confidence: best.confidence, via: "match", question: text });
      return "answered";
    }
    const likely = matches.filter((m) => m.confidence >= faqThresholds.suggestFrom);
    if (likely.length > 0) {
      turn.record("faq_suggested", flowId, { question: text, entries: likely.map((m) => m.entry.id) });
      turn.sendPlain(flowId, faqTexts.didYouMean, [
        ...likely.map((m) => [{ label: shortLabel(m.entry.questions[0] as string), payload: entryPayload(m.entry.id) }]),
        [{ label: faqTexts.askHuman, payload: humanPayload }],
      ]);
      return "suggested";
    }
    if (!looksLikeQuestion(text)) return "none";
    turn.record("faq_unanswered", flowId, { question: text, step: where.stepId });
    turn.sendPlain(flowId, faqTexts.notFound, [[{ label: faqTexts.askHuman, payload: humanPayload }]]);
    return "unanswered";
  }

  private sendAnswer(
    turn: EngineTurn,
    entry: FaqEntry,
    flowId: string | null,
    where: { flow: Flow | null; conversation: ConversationState | null } | null,
    data: Record<string, unknown>,
  ): void {
    turn.record("faq_answered", flowId, { entry: entry.id, ...data });
    const text = turn.render(entry.answer, where?.conversation ?? null, where?.flow ?? null);
    const buttons = entry.buttons?.map((b) => [{ label: b.text, url: b.url }]);
    turn.send(flowId, text, buttons ? { buttons } : {});
  }
}

/** A question mark, or a question word first: a question rather than an answer to ours. */
export function looksLikeQuestion(text: string): boolean {
  return (
    /\?[\s!?.)]*$/.test(text) ||
    // A question word first (\b does not see Cyrillic letters, so the end is spelled out).
    /^(как|где|когда|сколько|почему|зачем|что|какой|какая|какие|можно|есть ли|how|what|where|when|why|can|do you)(?=[\s,.!?]|$)/i.test(
      text.trim(),
    )
  );
}

function shortLabel(question: string): string {
  return question.length > 40 ? `${question.slice(0, 39)}…` : question;
}
