import { describe, expect, it } from "vitest";
import { FlowCatalog } from "../flow/flow-catalog.ts";
import { FlowLoader } from "../flow/flow-loader.ts";
import { Engine } from "./engine.ts";
import { FlowHarness } from "./flow-harness.ts";

const loader = new FlowLoader();
const vip = loader.parse(
  `id: vip\ntitle: VIP\ntriggers: [{ event: order_paid, if: "event.data.total >= 10000", marketing: false }]\nsteps:\n  - id: hi\n    end: "Спасибо за заказ {{ event.data.order }} на {{ event.data.total }} ₽, {{ contact.first_name }}!"\n`,
  "vip.yaml",
);
const any = loader.parse(
  `id: any\ntitle: Any\ntriggers: [{ event: order_paid }]\nsettings: { quietHours: "22:00-09:00", timezone: Europe/Moscow }\nsteps:\n  - id: hi\n    end: Скидка на следующий заказ!\n`,
  "any.yaml",
);
const catalog = new FlowCatalog([vip, any]);
const engine = new Engine(catalog, { marketingCaps: { perDay: 1 } });
const event = (total: number) => ({
  id: `e-${total}`,
  type: "order_paid",
  data: { total, order: "A-7" },
  occurred_at: "2026-03-02T10:00:00.000Z",
});

function enter(total: number, contact: Partial<FlowHarness["contact"]> = {}, extra: Partial<Parameters<Engine["enterByEvent"]>[0]> = {}) {
  const h = new FlowHarness(catalog);
  return engine.enterByEvent({
    contact: { ...h.contact, first_name: "Нина", ...contact },
    conversations: [],
    currentFlowId: null,
    channel: "telegram",
    event: event(total),
    now: h.now,
    ...extra,
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
      marketing: false,
    });
    expect(big.outbound[0]?.message.purpose).toBe("service");
    const small = enter(500);
    expect(small).toMatchObject({ outcome: "started", flowId: "any" });
    expect(small.outbound[0]?.message.purpose).toBe("promo");
    expect(small.events.filter((e) => e.type === "marketing_sent")).toEqual([
      { type: "marketing_sent", flowId: "any", data: { via: "event" } },
    ]);
  });

  it("holds a marketing trigger at night in the contact's zone and past their cap; news of their order goes at any hour", () => {
    const night = new Date("2026-03-02T20:30:00Z"); // 23:30 in Moscow
    expect(enter(500, {}, { now: night })).toEqual(
      expect.objectContaining({ outcome: "later", until: new Date("2026-03-03T06:00:00Z"), outbound: [], events: [] }),
    );
    expect(enter(12_000, {}, { now: night })).toMatchObject({ outcome: "started", flowId: "vip" });
    // 19:30 in Vladivostok is no night, but one marketing message today was the cap: 09:00 tomorrow there.
    const sentToday = [night.getTime() - 3_600_000];
    expect(
      enter(500, { timezone: "Asia/Vladivostok" }, { now: new Date("2026-03-02T09:30:00Z"), marketingSentAt: sentToday }),
    ).toMatchObject({
      outcome: "later",
      until: new Date("2026-03-02T23:00:00Z"),
    });
  });

  it("does not advertise on VK more than 24 hours after the person's last message", () => {
    const h = new FlowHarness(catalog);
    const onVk = (lastSeenAt: string) => enter(500, {}, { channel: "vk", lastSeenAt, now: h.now });
    expect(onVk(new Date(h.now.getTime() - 25 * 3_600_000).toISOString())).toMatchObject({ outcome: "outside_vk_window", outbound: [] });
    expect(onVk(new Date(h.now.getTime() - 23 * 3_600_000).toISOString())).toMatchObject({ outcome: "started", flowId: "any" });
    expect(enter(12_000, {}, { channel: "vk", lastSeenAt: "2026-01-01T00:00:00Z" })).toMatchObject({ outcome: "started", flowId: "vip" });
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
