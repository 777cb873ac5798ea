import type { InboundHandler } from "./inbound-handler.ts";

/**
 * Outside any conversation: a question is answered from the knowledge base, an old button is
 * called stale, and anything else enters the default flow (once) or is told how to begin.
 */
export const fallbackHandler: InboundHandler = {
  name: "fallback",
  handle({ input, text, turn, faq, matcher, flows, runner, conversationOf, textsOf }) {
    const texts = textsOf(null);
    const where = { flow: null, conversation: null, stepId: null };
    if (input.event.type === "text" && faq.respond(turn, matcher(), text, where, texts) !== "none") return true;
    const defaultFlow = flows.defaultFlow();
    if (input.event.type === "button") turn.say(null, texts.staleButton);
    else if (defaultFlow && !conversationOf(defaultFlow.id)) runner.start(defaultFlow, undefined, conversationOf(input.currentFlowId));
    else turn.say(null, texts.noFlow);
    return true;
  },
};
