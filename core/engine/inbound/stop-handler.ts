import { normaliseKeyword } from "../../flow/flow-catalog.ts";
import type { InboundHandler } from "./inbound-handler.ts";

/** Words that unsubscribe like /stop (compared without case and punctuation). */
const stopWords = new Set(["стоп", "отписаться", "отписка", "stop", "unsubscribe"]);

/** `/stop` or «стоп», «отписаться» …: opts out and withdraws consent, whatever else is going on. */
export const stopHandler: InboundHandler = {
  name: "stop",
  handle({ text, turn, input, textsOf, flows }) {
    if (!/^\/stop(@\w+)?$/i.test(text) && !stopWords.has(normaliseKeyword(text))) return false;
    const hadConsent = Boolean(turn.contact.consent);
    turn.setOptedOut(true);
    turn.withdrawConsent();
    const texts = textsOf(input.currentFlowId ? (flows.get(input.currentFlowId) ?? null) : null);
    turn.say(input.currentFlowId, hadConsent ? texts.optedOutWithConsent : texts.optedOut);
    return true;
  },
};
