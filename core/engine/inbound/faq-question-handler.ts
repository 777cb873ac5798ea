import type { InboundHandler } from "./inbound-handler.ts";

/** A question instead of a reply to the step: answered from the knowledge base, then the step again (in short, once per visit). */
export const faqQuestionHandler: InboundHandler = {
  name: "faq-question",
  handle({ input, text, turn, faq, matcher, position, runner, textsOf }) {
    const at = position();
    if (!at || input.event.type !== "text") return false;
    const conversation = turn.touch(at.conversation);
    if (runner.takesReply(at.flow, conversation, at.step, text)) return false;
    const where = { flow: at.flow, conversation, stepId: at.step.id };
    if (faq.respond(turn, matcher(), text, where, textsOf(at.flow)) === "none") return false;
    // After «did you mean» too: a wrong guess must not leave the customer without the step's buttons.
    runner.promptAfterAnswer(at.flow, conversation, at.step);
    return true;
  },
};
