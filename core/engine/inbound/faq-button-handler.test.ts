import { describe, expect, it } from "vitest";
import { engineTexts } from "../../texts/engine-texts.ts";
import { faqButtonHandler } from "./faq-button-handler.ts";
import { handlerHarness, runHandler } from "./handler-test-kit.ts";

const knowledge = { entries: [{ id: "price", questions: ["Сколько стоит курс?"], answer: "4990 ₽" }], synonyms: [] };
const flows = { demo: "default: true\nsteps:\n  - id: hello\n    say: Pick one\n    buttons: [{ text: Go, goto: hello }]\n" };

describe("faqButtonHandler", () => {
  it("answers a «did you mean» press and shows the step again, without its buttons going stale", () => {
    const h = handlerHarness(flows, { knowledge });
    h.send({ type: "start" });
    const run = runHandler(faqButtonHandler, h, { type: "button", payload: "f|price" });
    expect(run.handled).toBe(true);
    expect(run.texts).toEqual(["4990 ₽", "Pick one"]);
    expect(run.events).toContain("faq_answered");
  });

  it("records a request for a person, and passes the flow's own buttons on", () => {
    const h = handlerHarness(flows, { knowledge });
    const [hello] = h.send({ type: "start" });
    const human = runHandler(faqButtonHandler, h, { type: "button", payload: "h|" });
    // Without a support desk the request is passed on and the bot keeps the conversation: its step comes again.
    expect(human.texts).toEqual([engineTexts.ru.faqHumanRequested, "Pick one"]);
    expect(human.events).toContain("handoff_requested");
    const own = hello?.buttons?.[0]?.[0]?.payload as string;
    expect(runHandler(faqButtonHandler, h, { type: "button", payload: own }).handled).toBe(false);
  });
});
