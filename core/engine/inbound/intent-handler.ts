import type { IntentRecognizer } from "../../faq/intent-recognizer.ts";
import { handOff } from "../hand-off.ts";
import type { InboundHandler } from "./inbound-handler.ts";
import { optOut } from "./stop-handler.ts";

/**
 * The requests a customer may make in their own words at any moment, before a text is taken
 * as the step's answer or a question (so «позовите человека» at the name question is no
 * name): a person (or `/operator`), unsubscribe, start over; «erase my data» goes to support
 * staff, who can act on it, with the request in the log.
 */
export function intentHandler(intents: IntentRecognizer): InboundHandler {
  return {
    name: "intent",
    handle({ input, text, turn, textsOf, position, support, flows, runner, conversationOf }) {
      if (input.event.type !== "text") return false;
      const intent = /^\/operator(@\w+)?$/i.test(text) ? "human" : intents.recognise(text);
      if (!intent) return false;
      const at = position();
      const flow = at?.flow ?? null;
      turn.record("intent_recognised", flow?.id ?? null, { intent });
      switch (intent) {
        case "human":
          handOff(turn, { flowId: flow?.id ?? null, reason: "keyword", via: "keyword", texts: textsOf(flow) }, support);
          return true;
        case "erase_data":
          handOff(turn, { flowId: flow?.id ?? null, reason: "erase_data", via: "keyword", texts: textsOf(flow) }, support);
          return true;
        case "unsubscribe":
          optOut(turn, textsOf(flow), input.currentFlowId);
          return true;
        case "restart": {
          const again = flow ?? flows.defaultFlow();
          if (!again) return false;
          runner.start(again, conversationOf(again.id), conversationOf(input.currentFlowId));
          return true;
        }
      }
    },
  };
}
