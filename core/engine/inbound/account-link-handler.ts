import { normaliseKeyword } from "../../flow/flow-catalog.ts";
import type { InboundHandler } from "./inbound-handler.ts";

/**
 * «Link my accounts»: `/link` (or «связать аккаунты») asks the store for a one-hour code; a
 * code sent from the other messenger was redeemed by the store before the turn, and the
 * outcome is told here.
 */
export const accountLinkHandler: InboundHandler = {
  name: "account-link",
  handle({ text, turn, input, textsOf, flows }) {
    const flowId = input.currentFlowId;
    const texts = textsOf(flowId ? (flows.get(flowId) ?? null) : null);
    if (input.linkResult) {
      turn.say(flowId, input.linkResult === "linked" ? texts.linked : texts.linkInvalid);
      return true;
    }
    if (!/^\/link(@\w+)?$/i.test(text) && normaliseKeyword(text) !== "связать аккаунты") return false;
    turn.effect((position) => ({
      type: "create_link_code",
      flowId,
      position,
      compose: (code) => turn.message(`${texts.linkCode}\n${code}`),
    }));
    return true;
  },
};
