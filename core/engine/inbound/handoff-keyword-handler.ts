import { normaliseKeyword } from "../../flow/flow-catalog.ts";
import { handOff } from "../hand-off.ts";
import type { InboundHandler } from "./inbound-handler.ts";

/**
 * `/operator`, or a phrase of the installation's list («оператор», «позовите человека» …,
 * compared without case and punctuation): the customer asks for a person, wherever they are.
 */
export function handoffKeywordHandler(phrases: readonly string[]): InboundHandler {
  const wanted = new Set(phrases.map(normaliseKeyword));
  return {
    name: "handoff-keyword",
    handle({ input, text, turn, textsOf, position, support }) {
      if (input.event.type !== "text") return false;
      if (!/^\/operator(@\w+)?$/i.test(text) && !wanted.has(normaliseKeyword(text))) return false;
      const flow = position()?.flow ?? null;
      handOff(turn, { flowId: flow?.id ?? null, reason: "keyword", via: "keyword", texts: textsOf(flow) }, support);
      return true;
    },
  };
}
