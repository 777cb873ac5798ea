import { describe, expect, it } from "vitest";
import { engineTexts } from "../../texts/engine-texts.ts";
import { accountLinkHandler } from "./account-link-handler.ts";
import { handlerHarness, runHandler } from "./handler-test-kit.ts";

const flows = { demo: "default: true\nsteps:\n  - id: hello\n    say: Hi\n" };

describe("accountLinkHandler", () => {
  it("asks the store for a link code: an effect whose message carries the code", () => {
    const run = runHandler(accountLinkHandler, handlerHarness(flows), { type: "text", text: "Связать аккаунты" });
    expect(run.handled).toBe(true);
    expect(run.texts).toEqual([]);
    const [effect] = run.result.effects;
    expect(effect?.type).toBe("create_link_code");
    if (effect?.type !== "create_link_code") return;
    expect(effect.position).toBe(0);
    expect(effect.compose("link-K7Q2M9").text).toBe(`${engineTexts.ru.linkCode}\nlink-K7Q2M9`);
  });

  it("tells how redeeming a code went, and passes other messages on", () => {
    const h = handlerHarness(flows);
    const linked = accountLinkHandler.handle(
      h.engine.inboundContext({ ...h.input({ type: "text", text: "link-K7Q2M9" }), linkResult: "linked" }),
    );
    expect(linked).toBe(true);
    const invalid = h.engine.inboundContext({ ...h.input({ type: "text", text: "link-XXXXXX" }), linkResult: "invalid" });
    accountLinkHandler.handle(invalid);
    expect(invalid.turn.result().outbound[0]?.message.text).toBe(engineTexts.ru.linkInvalid);
    expect(runHandler(accountLinkHandler, h, { type: "text", text: "/linked" }).handled).toBe(false);
  });
});
