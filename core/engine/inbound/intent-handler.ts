import { LRUCache } from "lru-cache";
import { IntentRecognizer } from "../../faq/intent-recognizer.ts";
import type { InstallationTexts } from "../../flow/installation-texts.ts";
import type { IntentName } from "../../model/intent-name.ts";
import { handOff } from "../hand-off.ts";
import type { InboundHandler } from "./inbound-handler.ts";
import { optOut } from "./stop-handler.ts";

/**
 * Recognisers by their ways of asking, shared by every engine of the process: one takes a third
 * of a second to build (some 400 examples analysed and indexed), and tests and previews make
 * an engine per conversation. A few kept, the least used dropped.
 */
const recognisersBuilt = new LRUCache<string, IntentRecognizer>({ max: 8 });

function recogniserFor(phrases: Partial<Record<IntentName, readonly string[]>>): IntentRecognizer {
  const key = JSON.stringify(phrases);
  const known = recognisersBuilt.get(key);
  if (known) return known;
  const made = new IntentRecognizer(phrases);
  recognisersBuilt.set(key, made);
  return made;
}

/** The buttons under «erase all your data?»: they mean the same on any visit. */
const eraseYesPayload = "e|yes";
const eraseNoPayload = "e|no";

/**
 * The requests a customer may make in their own words at any moment, before a text is taken
 * as the step's answer or a question (so «позовите человека» at the name question is no
 * name): a person (or `/operator`), unsubscribe, start over, and erase my data — asked to
 * confirm with a button, since it cannot be undone. The ways of asking are the built-in ones,
 * the installation's (flows/texts.yaml `intents:`, read again on a reload) and, for a person,
 * `handoffPhrases` (SUPPORT_KEYWORDS).
 */
export function intentHandler(handoffPhrases: readonly string[]): InboundHandler {
  const recognisers = new WeakMap<InstallationTexts, IntentRecognizer>();
  const recogniserOf = (installation: InstallationTexts) => {
    const known = recognisers.get(installation);
    if (known) return known;
    const { human = [], ...others } = installation.intents ?? {};
    const made = recogniserFor({ ...others, human: [...human, ...handoffPhrases] });
    recognisers.set(installation, made);
    return made;
  };
  return {
    name: "intent",
    handle({ input, text, turn, textsOf, position, support, flows, runner, conversationOf }) {
      const at = position();
      const flow = at?.flow ?? null;
      const texts = textsOf(flow);
      if (input.event.type === "button" && (input.event.payload === eraseYesPayload || input.event.payload === eraseNoPayload)) {
        if (input.event.payload === eraseNoPayload) {
          turn.say(flow?.id ?? null, texts.eraseKept);
          if (at) runner.promptAfterAnswer(at.flow, turn.touch(at.conversation), at.step);
          return true;
        }
        // The confirmation goes out first; then nothing more will (see erase-contact.ts).
        turn.say(flow?.id ?? null, texts.eraseDone);
        turn.effect((position) => ({ type: "erase_contact", flowId: flow?.id ?? null, position }));
        return true;
      }
      if (input.event.type !== "text") return false;
      const intent = /^\/operator(@\w+)?$/i.test(text) ? "human" : recogniserOf(flows.installationTexts).recognise(text);
      if (!intent) return false;
      turn.record("intent_recognised", flow?.id ?? null, { intent });
      switch (intent) {
        case "human":
          handOff(turn, { flowId: flow?.id ?? null, reason: "keyword", via: "keyword", texts }, support);
          return true;
        case "erase_data":
          turn.say(flow?.id ?? null, texts.eraseConfirm, [
            [{ label: texts.eraseYes, payload: eraseYesPayload }],
            [{ label: texts.eraseNo, payload: eraseNoPayload }],
          ]);
          return true;
        case "unsubscribe":
          optOut(turn, texts, input.currentFlowId);
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
