import { faqHumanPayload } from "../faq-responder.ts";
import { handOff } from "../hand-off.ts";
import type { InboundHandler } from "./inbound-handler.ts";

/**
 * A press on a knowledge-base button: «talk to a person» hands the conversation to support
 * staff (or, without a support desk, passes the request on); a «did you mean» entry is
 * answered. While the bot keeps the conversation, the flow's step is shown again.
 */
export const faqButtonHandler: InboundHandler = {
  name: "faq-button",
  handle({ input, turn, faq, matcher, position, runner, textsOf, support }) {
    const at = position();
    const flow = at?.flow ?? null;
    const human = input.event.type === "button" && input.event.payload === faqHumanPayload;
    if (human && handOff(turn, { flowId: flow?.id ?? null, reason: "faq", via: "faq", texts: textsOf(flow) }, support)) return true;
    if (!human && !faq.pressed(turn, matcher(), input.event, flow?.id ?? null)) return false;
    // The bot still has the conversation: its step comes again.
    if (at) runner.promptAfterAnswer(at.flow, turn.touch(at.conversation), at.step);
    return true;
  },
};
