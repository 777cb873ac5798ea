import { describe, expect, it } from "vitest";
import { FlowCatalog } from "../flow/flow-catalog.ts";
import { FlowLoader } from "../flow/flow-loader.ts";
import { engineTexts } from "../texts/engine-texts.ts";
import { Engine } from "./engine.ts";
import { FlowHarness } from "./flow-harness.ts";
import { SupportHours } from "./support-hours.ts";

const hours = SupportHours.parse("mon-fri 09:00-18:00, sat 10:00-14:00", "Europe/Moscow");
/** Moscow is UTC+3 all year: 2026-01-05 is a Monday. */
const at = (iso: string) => new Date(iso);

describe("support hours", () => {
  it("is open within the hours of the day, in the support's time zone", () => {
    expect(hours.nextOpening(at("2026-01-05T06:00:00Z"))).toBeUndefined(); // Mon 09:00 MSK
    expect(hours.nextOpening(at("2026-01-10T10:59:00Z"))).toBeUndefined(); // Sat 13:59 MSK
  });

  it("says when it opens: later today, tomorrow, or on a named day", () => {
    expect(hours.nextOpening(at("2026-01-05T05:30:00Z"))).toEqual({ at: at("2026-01-05T06:00:00Z"), day: "today", time: "9:00" });
    expect(hours.nextOpening(at("2026-01-05T15:00:00Z"))).toMatchObject({ day: "tomorrow", time: "9:00" }); // Mon 18:00 MSK: closed
    expect(hours.nextOpening(at("2026-01-09T20:00:00Z"))).toMatchObject({ at: at("2026-01-10T07:00:00Z"), day: "tomorrow", time: "10:00" });
    expect(hours.nextOpening(at("2026-01-10T12:00:00Z"))).toMatchObject({ at: at("2026-01-12T06:00:00Z"), day: 1, time: "9:00" });
    expect(SupportHours.parse("09:00-18:00", "UTC").nextOpening(at("2026-01-11T20:00:00Z"))).toMatchObject({ day: "tomorrow" });
  });

  it("refuses what it cannot read, naming it", () => {
    expect(() => SupportHours.parse("mon-fri 9-18", "Europe/Moscow")).toThrow(/written like "mon-fri 09:00-18:00/);
    expect(() => SupportHours.parse("mon-fry 09:00-18:00", "Europe/Moscow")).toThrow(/unknown day "fry"/);
    expect(() => SupportHours.parse("18:00-09:00", "Europe/Moscow")).toThrow(/end after they start/);
    expect(() => SupportHours.parse("09:00-18:00", "Mars/Olympus")).toThrow(/unknown time zone/);
  });

  it("a customer handed to staff out of hours is told when they will be answered, and it is logged", () => {
    const flow = new FlowLoader().parse("id: demo\ntitle: Demo\nsteps:\n  - id: hi\n    end: Привет\n", "demo.yaml");
    const engine = new Engine(new FlowCatalog([flow]), { support: { desk: true, schedule: hours } });
    const h = new FlowHarness(new FlowCatalog([flow]), "telegram", at("2026-01-10T12:00:00Z"));
    const result = engine.handle(h.input({ type: "text", text: "/operator" }));
    const effect = result.effects.find((e) => e.type === "open_handoff");
    expect(effect?.type === "open_handoff" && effect.compose()?.text).toBe(
      `${engineTexts.ru.handoffStarted}\n\nСейчас мы не на связи — ответим в пн с 9:00.`,
    );
    expect(result.events.find((e) => e.type === "support_out_of_hours")?.data).toEqual({ opensAt: "2026-01-12T06:00:00.000Z" });
    const open = engine.handle({ ...h.input({ type: "text", text: "/operator" }), now: at("2026-01-05T07:00:00Z") });
    expect(open.events.map((e) => e.type)).not.toContain("support_out_of_hours");
  });

  it("a customer with staff who writes out of hours is told when support opens; the store says once per opening", () => {
    const flow = new FlowLoader().parse("id: demo\ntitle: Demo\nsteps:\n  - id: hi\n    end: Привет\n", "demo.yaml");
    const engine = new Engine(new FlowCatalog([flow]), { support: { desk: true, schedule: hours } });
    const h = new FlowHarness(new FlowCatalog([flow]), "telegram", at("2026-01-10T12:00:00Z"));
    h.contact = { ...h.contact, handed_off_at: "2026-01-10T11:00:00.000Z" };
    const away = engine.handle(h.input({ type: "text", text: "Алло?" })).effects.find((e) => e.type === "away_notice");
    expect(away?.type === "away_notice" && [away.opensAt, away.compose().text]).toEqual([
      "2026-01-12T06:00:00.000Z",
      "Сейчас мы не на связи — ответим в пн с 9:00.",
    ]);
    const open = engine.handle({ ...h.input({ type: "text", text: "Алло?" }), now: at("2026-01-05T07:00:00Z") });
    expect(open.effects.map((e) => e.type)).toEqual(["post_to_support"]);
  });
});
