import { normaliseKeyword } from "../../flow/flow-catalog.ts";
import type { EngineTexts } from "../../texts/engine-texts.ts";
import type { EngineTurn } from "../engine-turn.ts";
import type { InboundHandler } from "./inbound-handler.ts";

/** Words that unsubscribe like /stop (compared without case and punctuation). */
const stopWords = new Set(["стоп", "отписаться", "отписка", "stop", "unsubscribe"]);

/** `/stop` or «стоп», «отписаться» …: opts out and withdraws consent, whatever else is going on. */
export const stopHandler: InboundHandler = {
  name: "stop",
  handle({ text, turn, input, textsOf, flows }) {
    if (!/^\/stop(@\w+)?$/i.test(text) && !stopWords.has(normaliseKeyword(text))) return false;
    optOut(turn, textsOf(input.currentFlowId ? (flows.get(input.currentFlowId) ?? null) : null), input.currentFlowId);
    return true;
  },
};

/** Opts the contact out and withdraws their consent, and says so. */
export function optOut(turn: EngineTurn, texts: EngineTexts, flowId: string | null): void {
  const hadConsent = Boolean(turn.contact.consent);
  turn.setOptedOut(true);
  turn.withdrawConsent();
  turn.say(flowId, hadConsent ? texts.optedOutWithConsent : texts.optedOut);
}
