import { describe, expect, it } from "vitest";
import { FlowCatalog } from "../flow/flow-catalog.ts";
import { FlowError } from "../flow/flow-error.ts";
import { FlowLoader } from "../flow/flow-loader.ts";
import type { ConversationState } from "../model/conversation-state.ts";
import { Engine } from "./engine.ts";
import { FlowHarness } from "./flow-harness.ts";

const loader = new FlowLoader();
const winback = loader.parse(
  `id: winback
title: Win-back
triggers: [{ inactive: 30d }]
settings: { quietHours: "22:00-09:00", timezone: Europe/Moscow, requireConsent: true }
steps:
  - id: miss
    say: "{{ contact.first_name }}, давно вас не было!"
    buttons: [{ text: Спасибо, goto: bye }]
  - id: bye
    end: До встречи!
`,
  "winback.yaml",
);
const engine = new Engine(new FlowCatalog([winback]), { marketingCaps: { perDay: 2 } });
/** 12:00 in Moscow, 19:00 in Vladivostok. */
const noon = new Date("2026-03-02T09:00:00Z");
const consent = { version: "v1", at: "2026-01-01T00:00:00.000Z", channel: "telegram" as const };

function enter(
  options: {
    contact?: Partial<FlowHarness["contact"]>;
    channel?: "telegram" | "vk";
    now?: Date;
    sent?: number[];
    conversations?: ConversationState[];
  } = {},
) {
  const h = new FlowHarness(new FlowCatalog([winback]));
  return engine.enterByInactivity({
    contact: { ...h.contact, first_name: "Нина", consent, ...options.contact },
    conversations: options.conversations ?? [],
    currentFlowId: null,
    channel: options.channel ?? "telegram",
    flowId: "winback",
    lastSeenAt: new Date("2026-01-31T09:00:00Z"),
    marketingSentAt: options.sent ?? [],
    now: options.now ?? noon,
  });
}

describe("win-back entry", () => {
  it("starts the flow with a marketing message and logs how long the contact was silent", () => {
    const result = enter();
    expect(result.outcome).toBe("started");
    expect(result.outbound.map((o) => [o.message.text, o.message.purpose])).toEqual([["Нина, давно вас не было!", "promo"]]);
    expect(result.events.find((e) => e.type === "winback_entered")).toEqual({
      type: "winback_entered",
      flowId: "winback",
      data: { silentSeconds: 30 * 86_400 },
    });
  });

  it("waits for a later scan inside quiet hours in the contact's zone and past the day's cap", () => {
    expect(enter({ now: new Date("2026-03-02T20:00:00Z") }).outcome).toBe("later"); // 23:00 in Moscow
    expect(enter({ contact: { timezone: "Asia/Vladivostok" }, now: new Date("2026-03-02T14:00:00Z") }).outcome).toBe("later");
    const twoToday = [noon.getTime() - 3_600_000, noon.getTime() - 7_200_000];
    expect(enter({ sent: twoToday }).outcome).toBe("later");
    expect(enter({ sent: twoToday.slice(1) }).outcome).toBe("started");
    expect(enter({ now: new Date("2026-03-02T20:00:00Z") }).outbound).toEqual([]);
  });

  it("never writes to those who opted out, are with staff, gave no consent, are in the flow already or are on VK", () => {
    expect(enter({ contact: { optedOut: true } })).toMatchObject({ outcome: "skipped", reason: "opted_out", outbound: [] });
    expect(enter({ contact: { handed_off_at: noon.toISOString() } })).toMatchObject({ reason: "handed_off" });
    expect(enter({ contact: { consent: null } })).toMatchObject({ reason: "no_consent" });
    const inFlow = enter().conversations[0] as ConversationState;
    expect(enter({ conversations: [inFlow] })).toMatchObject({ reason: "in_flow" });
    expect(enter({ channel: "vk" })).toMatchObject({ outcome: "skipped", reason: "outside_vk_window", outbound: [] });
  });

  it("refuses a silence too short for an hourly scan, with the file's line", () => {
    expect(() => loader.parse("id: w\ntitle: W\ntriggers: [{ inactive: 10m }]\nsteps:\n  - id: a\n    end: Привет\n", "w.yaml")).toThrow(
      FlowError,
    );
    expect(() => loader.parse("id: w\ntitle: W\ntriggers: [{ inactive: 10m }]\nsteps:\n  - id: a\n    end: Привет\n", "w.yaml")).toThrow(
      /w\.yaml:3:\d+ .*at least 1h/,
    );
  });
});
