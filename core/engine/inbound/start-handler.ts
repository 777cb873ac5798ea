import type { InboundHandler } from "./inbound-handler.ts";

/**
 * `/start [payload]`, a VK `ref` or the web chat's flow picker: opts back in, records the
 * source, and (re)starts the flow the payload names, or the default flow.
 */
export const startHandler: InboundHandler = {
  name: "start",
  handle({ input, text, turn, flows, runner, conversationOf, textsOf }) {
    const { event } = input;
    const command = /^\/start(?:@\w+)?(?:\s+(\S+))?$/i.exec(text);
    if (event.type !== "start" && !command) return false;
    turn.setOptedOut(false);
    const payload = event.type === "start" ? event.payload : command?.[1];
    if (payload) turn.recordSource(payload);
    const flow =
      (event.type === "start" && event.flowId ? flows.get(event.flowId) : undefined) ??
      (payload ? flows.byStartPayload(payload) : undefined) ??
      flows.defaultFlow();
    if (flow) runner.start(flow, conversationOf(flow.id), conversationOf(input.currentFlowId));
    else turn.say(null, textsOf(null).noFlow);
    return true;
  },
};
