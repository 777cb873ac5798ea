import type { InboundHandler } from "./inbound-handler.ts";

/** A message that is a flow's keyword starts that flow — except while the contact answers a question. */
export const keywordHandler: InboundHandler = {
  name: "keyword",
  handle({ input, text, turn, flows, runner, conversationOf, position, active }) {
    if (input.event.type !== "text" || position()?.step.kind === "ask") return false;
    const match = flows.byKeyword(text);
    if (!match) return false;
    turn.recordSource(`keyword:${match.keyword}`);
    runner.start(match.flow, conversationOf(match.flow.id), active);
    return true;
  },
};
