import type { InboundHandler } from "./inbound-handler.ts";

/** Anything else said in an active conversation is the reply to the step the contact waits at. */
export const stepReplyHandler: InboundHandler = {
  name: "step-reply",
  handle({ input, turn, position, runner }) {
    const at = position();
    if (!at) return false;
    runner.answer(at.flow, turn.touch(at.conversation), at.step, input.event);
    return true;
  },
};
