import { describe, expect, it } from "vitest";
import { engineTexts } from "../../texts/engine-texts.ts";
import { handlerHarness, runHandler } from "./handler-test-kit.ts";
import { startHandler } from "./start-handler.ts";

const flows = {
  main: "default: true\nsteps:\n  - id: hello\n    say: Main\n    buttons: [{ text: Go, goto: hello }]\n",
  promo: "triggers: [{ start: spring }]\nsteps:\n  - id: offer\n    say: Spring offer\n    buttons: [{ text: Go, goto: offer }]\n",
};

describe("startHandler", () => {
  it("starts the flow a deep link names and records its source", () => {
    const run = runHandler(startHandler, handlerHarness(flows), { type: "text", text: "/start spring__vk_ads" });
    expect(run.handled).toBe(true);
    expect(run.texts).toEqual(["Spring offer"]);
    expect(run.result.currentFlowId).toBe("promo");
    expect(run.result.contact.last_source).toBe("spring__vk_ads");
  });

  it("starts the default flow without a payload, opts back in, and ends the flow it leaves", () => {
    const h = handlerHarness(flows);
    h.send({ type: "start", flowId: "promo" });
    h.text("/stop");
    const run = runHandler(startHandler, h, { type: "start" });
    expect(run.texts).toEqual(["Main"]);
    expect(run.result.contact.optedOut).toBe(false);
    expect(run.result.conversations.find((c) => c.flowId === "promo")?.status).toBe("ended");
  });

  it("says how to begin when there is no flow to start, and passes other messages on", () => {
    const none = handlerHarness({ other: "steps:\n  - id: a\n    say: A\n", more: "steps:\n  - id: b\n    say: B\n" });
    expect(runHandler(startHandler, none, { type: "start" }).texts).toEqual([engineTexts.ru.noFlow]);
    expect(runHandler(startHandler, none, { type: "text", text: "start" }).handled).toBe(false);
  });
});
