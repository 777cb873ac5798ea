import { describe, expect, it } from "vitest";
import { engineTexts } from "../../texts/engine-texts.ts";
import { fallbackHandler } from "./fallback-handler.ts";
import { handlerHarness, runHandler } from "./handler-test-kit.ts";

describe("fallbackHandler", () => {
  it("enters the default flow once; after it, says how to begin", () => {
    const h = handlerHarness({ demo: "default: true\nsteps:\n  - id: hello\n    end: Hello\n" });
    expect(runHandler(fallbackHandler, h, { type: "text", text: "hi" }).texts).toEqual(["Hello"]);
    h.text("hi");
    expect(runHandler(fallbackHandler, h, { type: "text", text: "hi again" }).texts).toEqual([engineTexts.ru.noFlow]);
  });

  it("calls a button from nowhere stale and handles every event", () => {
    const h = handlerHarness({ a: "steps:\n  - id: a\n    say: A\n", b: "steps:\n  - id: b\n    say: B\n" });
    const run = runHandler(fallbackHandler, h, { type: "button", payload: "b|1|0|abcdef" });
    expect(run.handled).toBe(true);
    expect(run.texts).toEqual([engineTexts.ru.staleButton]);
  });
});
