import { describe, expect, it } from "vitest";
import { FlowCatalog } from "../flow/flow-catalog.ts";
import { FlowLoader } from "../flow/flow-loader.ts";
import { Engine } from "./engine.ts";
import { FlowHarness } from "./flow-harness.ts";

const loader = new FlowLoader();
const vip = loader.parse(
  `id: vip\ntitle: VIP\ntriggers: [{ event: order_paid, if: "event.data.total >= 10000" }]\nsteps:\n  - id: hi\n    end: "Спасибо за заказ {{ event.data.order }} на {{ event.data.total }} ₽, {{ contact.first_name }}!"\n`,
  "vip.yaml",
);
const any = loader.parse(`id: any\ntitle: Any\ntriggers: [{ event: order_paid }]\nsteps:\n  - id: hi\n    end: Спасибо!\n`, "any.yaml");
const catalog = new FlowCatalog([vip, any]);
const engine = new Engine(catalog);
const event = (total: number) => ({
  id: `e-${total}`,
  type: "order_paid",
  data: { total, order: "A-7" },
  occurred_at: "2026-03-02T10:00:00.000Z",
});

function enter(total: number, contact: Partial<FlowHarness["contact"]> = {}) {
  const h = new FlowHarness(catalog);
  return engine.enterByEvent({
    contact: { ...h.contact, first_name: "Нина", ...contact },
    conversations: [],
    currentFlowId: null,
    channel: "telegram",
    event: event(total),
    now: h.now,
  });
}

describe("entering a flow by an outside event", () => {
  it("starts the first flow whose condition holds, with event.* in its texts and kept on the conversation", () => {
    const big = enter(12_000);
    expect(big).toMatchObject({ outcome: "started", flowId: "vip", currentFlowId: "vip" });
    expect(big.outbound.map((o) => o.message.text)).toEqual(["Спасибо за заказ A-7 на 12000 ₽, Нина!"]);
    expect(big.conversations[0]?.event).toEqual(event(12_000));
    expect(big.events.find((e) => e.type === "external_event")?.data).toEqual({
      id: "e-12000",
      type: "order_paid",
      outcome: "started",
      flowId: "vip",
    });
    expect(enter(500)).toMatchObject({ outcome: "started", flowId: "any" });
  });

  it("writes to nobody who opted out or is with support staff, and says so in the log", () => {
    const stopped = enter(12_000, { optedOut: true });
    expect(stopped).toMatchObject({ outcome: "opted_out", outbound: [] });
    expect(enter(12_000, { handed_off_at: "2026-03-02T09:00:00.000Z" })).toMatchObject({ outcome: "handed_off", outbound: [] });
    const nobody = new Engine(new FlowCatalog([vip])).enterByEvent({
      contact: { id: "c", fields: {}, tags: [], optedOut: false },
      conversations: [],
      currentFlowId: null,
      channel: "vk",
      event: event(10),
      now: new Date("2026-03-02T10:00:00Z"),
    });
    expect(nobody).toMatchObject({ outcome: "no_flow", outbound: [] });
    expect(nobody.events.map((e) => e.data)).toEqual([{ id: "e-10", type: "order_paid", outcome: "no_flow" }]);
  });

  it("finds contacts by phone in E.164, by email in lower case, or by platform id", () => {
    expect(engine.contactLookup({ phone: "8 (916) 123-45-67" })).toEqual({ by: "phone", value: "+79161234567" });
    expect(engine.contactLookup({ phone: "12" })).toBeUndefined();
    expect(engine.contactLookup({ email: " Anna@Example.COM " })).toEqual({ by: "email", value: "anna@example.com" });
    expect(engine.contactLookup({ vk_id: "42" })).toEqual({ by: "identity", channel: "vk", externalId: "42" });
  });

  it("checks a trigger's condition when the flow loads", () => {
    expect(() =>
      loader.parse(
        `id: bad\ntitle: Bad\ntriggers: [{ event: order_paid, if: "event.data.total >" }]\nsteps:\n  - id: hi\n    end: Hi\n`,
        "bad.yaml",
      ),
    ).toThrow(/triggers\[0\]\.if: bad condition/);
  });
});
