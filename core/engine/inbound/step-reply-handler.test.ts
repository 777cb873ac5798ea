import { describe, expect, it } from "vitest";
import { handlerHarness, runHandler } from "./handler-test-kit.ts";
import { stepReplyHandler } from "./step-reply-handler.ts";

const flows = {
  demo: "default: true\nsteps:\n  - id: age\n    ask: { type: number, text: Age?, save: vars.age, retry: 'A number, please' }\n  - id: done\n    end: Thanks\n",
};

describe("stepReplyHandler", () => {
  it("gives the text to the step the contact waits at: a valid answer moves on, an invalid one is asked again", () => {
    const h = handlerHarness(flows);
    h.send({ type: "start" });
    const invalid = runHandler(stepReplyHandler, h, { type: "text", text: "old" });
    expect(invalid.handled).toBe(true);
    expect(invalid.texts).toEqual(["A number, please\n\nAge?"]);
    const valid = runHandler(stepReplyHandler, h, { type: "text", text: "42" });
    expect(valid.texts).toEqual(["Thanks"]);
    expect(valid.result.conversations[0]?.vars).toEqual({ age: 42 });
  });

  it("passes on when there is no active conversation", () => {
    expect(runHandler(stepReplyHandler, handlerHarness(flows), { type: "text", text: "42" }).handled).toBe(false);
  });
});
