import type { InboundHandler } from "./inbound-handler.ts";

/**
 * While support staff have the conversation the bot keeps quiet: whatever the customer sends
 * goes to their topic in the support group, and nothing else of the pipeline runs (/stop,
 * before this, still works).
 */
export const humanModeHandler: InboundHandler = {
  name: "human-mode",
  handle({ input, turn }) {
    if (!input.contact.handed_off_at) return false;
    const { event } = input;
    const text =
      event.type === "text"
        ? event.text
        : event.type === "button"
          ? `[кнопка] ${event.label ?? event.payload}`
          : `[/start${event.payload ? ` ${event.payload}` : ""}]`;
    turn.effect((position) => ({
      type: "post_to_support",
      flowId: input.currentFlowId,
      position,
      post: { kind: "customer", message: turn.plain(text) },
    }));
    return true;
  },
};
