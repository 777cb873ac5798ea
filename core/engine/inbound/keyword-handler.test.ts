import { describe, expect, it } from "vitest";
import { handlerHarness, runHandler } from "./handler-test-kit.ts";
import { keywordHandler } from "./keyword-handler.ts";

const flows = {
  main: "default: true\nsteps:\n  - id: name\n    ask: { type: text, text: Your name?, save: contact.first_name }\n",
  sale: "triggers: [{ keywords: [скидка, sale] }]\nsteps:\n  - id: offer\n    say: Sale!\n    buttons: [{ text: Go, goto: offer }]\n",
};

describe("keywordHandler", () => {
  it("starts the flow whose keyword the message is (case and punctuation aside)", () => {
    const run = runHandler(keywordHandler, handlerHarness(flows), { type: "text", text: "Скидка!" });
    expect(run.handled).toBe(true);
    expect(run.texts).toEqual(["Sale!"]);
    expect(run.result.contact.last_source).toBe("keyword:скидка");
  });

  it("takes no keyword while the contact answers a question, nor other messages", () => {
    const h = handlerHarness(flows);
    h.send({ type: "start" });
    expect(runHandler(keywordHandler, h, { type: "text", text: "sale" }).handled).toBe(false);
    expect(runHandler(keywordHandler, handlerHarness(flows), { type: "text", text: "hello" }).handled).toBe(false);
  });
});
