import type { InboundHandler } from "./inbound-handler.ts";

/** A press on a knowledge-base button («did you mean» or «talk to a person»); in a flow, its step is shown again. */
export const faqButtonHandler: InboundHandler = {
  name: "faq-button",
  handle({ input, turn, faq, matcher, position, runner, textsOf }) {
    const at = position();
    if (!faq.pressed(turn, matcher(), input.event, at?.flow.id ?? null, textsOf(at?.flow ?? null))) return false;
    if (at) runner.prompt(at.flow, turn.touch(at.conversation), at.step, { repeat: true });
    return true;
  },
};
