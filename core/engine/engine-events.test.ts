import { describe, expect, it } from "vitest";
import { checkedEvent, eventTypes } from "../events/event-catalog.ts";
import { FlowCatalog } from "../flow/flow-catalog.ts";
import { FlowLoader } from "../flow/flow-loader.ts";
import { FlowHarness } from "./flow-harness.ts";

describe("the engine's events", () => {
  it("knows every event a whole example conversation writes", async () => {
    const flow = await new FlowLoader().loadFile(new URL("../../flows/checklist-funnel.yaml", import.meta.url).pathname);
    const h = new FlowHarness(new FlowCatalog([flow]), "telegram");
    const welcome = h.send({ type: "start", payload: "checklist__vk_ads" });
    h.advance("2h");
    h.press("Получить чек-лист", welcome);
    h.text("Анна");
    h.text("/stop");
    expect(h.events.length).toBeGreaterThan(10);
    for (const event of h.events) expect(() => checkedEvent(event), event.type).not.toThrow();
    expect(eventTypes).toEqual(expect.arrayContaining([...new Set(h.events.map((e) => e.type))]));
  });
});
