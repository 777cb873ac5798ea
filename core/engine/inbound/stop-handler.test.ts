import { describe, expect, it } from "vitest";
import { engineTexts } from "../../texts/engine-texts.ts";
import { handlerHarness, runHandler } from "./handler-test-kit.ts";
import { stopHandler } from "./stop-handler.ts";

const flows = { demo: "default: true\nsteps:\n  - id: hello\n    say: Hi\n    buttons: [{ text: Go, goto: hello }]\n" };

describe("stopHandler", () => {
  it("opts out on /stop and on stop words, whatever the step", () => {
    for (const text of ["/stop", "/stop@orkestr_bot", "Отписаться!", "STOP"]) {
      const h = handlerHarness(flows);
      h.send({ type: "start" });
      const run = runHandler(stopHandler, h, { type: "text", text });
      expect(run.handled).toBe(true);
      expect(run.result.contact.optedOut).toBe(true);
      expect(run.texts).toEqual([engineTexts.ru.optedOut]);
      expect(run.events).toContain("opted_out");
    }
  });

  it("passes anything else on, a sentence with «стоп» in it included", () => {
    const h = handlerHarness(flows);
    expect(runHandler(stopHandler, h, { type: "text", text: "не стоп" }).handled).toBe(false);
    expect(runHandler(stopHandler, h, { type: "start" }).handled).toBe(false);
  });
});
