import { describe, expect, it } from "vitest";
import { faqQuestionHandler } from "./faq-question-handler.ts";
import { handlerHarness, runHandler } from "./handler-test-kit.ts";

const knowledge = { entries: [{ id: "price", questions: ["Сколько стоит курс?"], answer: "Курс стоит 4990 ₽." }], synonyms: [] };
const flows = { demo: "default: true\nsteps:\n  - id: hello\n    say: Pick one\n    buttons: [{ text: Yes, goto: hello }]\n" };

describe("faqQuestionHandler", () => {
  it("answers a question asked instead of a reply, then shows the step again", () => {
    const h = handlerHarness(flows, { knowledge });
    h.send({ type: "start" });
    const run = runHandler(faqQuestionHandler, h, { type: "text", text: "сколько стоит курс?" });
    expect(run.handled).toBe(true);
    expect(run.texts).toEqual(["Курс стоит 4990 ₽.", "Pick one"]);
  });

  it("passes on a reply the step takes, text outside a flow, and text the knowledge base does not know", () => {
    const h = handlerHarness(flows, { knowledge });
    expect(runHandler(faqQuestionHandler, h, { type: "text", text: "сколько стоит курс?" }).handled).toBe(false);
    h.send({ type: "start" });
    expect(runHandler(faqQuestionHandler, h, { type: "text", text: "yes" }).handled).toBe(false);
    expect(runHandler(faqQuestionHandler, h, { type: "text", text: "ок" }).handled).toBe(false);
  });
});
