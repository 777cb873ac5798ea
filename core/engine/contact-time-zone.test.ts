import { describe, expect, it } from "vitest";
import { FlowCatalog } from "../flow/flow-catalog.ts";
import { FlowLoader } from "../flow/flow-loader.ts";
import { FlowHarness } from "./flow-harness.ts";

const flow = new FlowLoader().parse(
  `id: remind
title: Remind
settings: { quietHours: "22:00-09:00", timezone: Europe/Moscow, requireConsent: false }
steps:
  - id: ask
    ask: { type: phone, text: Ваш телефон?, save: contact.phone }
  - id: wait
    say: Спасибо!
    buttons: [{ text: Ещё, goto: ask }]
    followUps: [{ after: 1h, say: Напоминание }]
`,
  "remind.yaml",
);

/** 12:30 UTC is 22:30 in Vladivostok, 14:30 in Kaliningrad and 15:30 in Moscow. */
const start = new Date("2026-03-02T11:30:00Z");

function dueFor(timezone: string | undefined, phone = "+79161234567") {
  const h = new FlowHarness(new FlowCatalog([flow]), "telegram", start);
  if (timezone) h.contact = { ...h.contact, timezone };
  h.send({ type: "start", flowId: "remind" });
  h.text(phone);
  return { due: h.pending[0]?.dueAt.toISOString(), contact: h.contact, h };
}

describe("quiet hours in the contact's time zone", () => {
  it("hold a reminder that would reach a Vladivostok contact at 22:30 until 09:00 their time; a Kaliningrad one gets it at once", () => {
    expect(dueFor("Asia/Vladivostok").due).toBe("2026-03-02T23:00:00.000Z");
    expect(dueFor("Europe/Kaliningrad").due).toBe("2026-03-02T12:30:00.000Z");
    // Without a zone of their own, the flow's: 15:30 in Moscow, not quiet.
    expect(dueFor(undefined).due).toBe("2026-03-02T12:30:00.000Z");
  });

  it("takes the zone from a phone whose country has one, keeps one set already, and refuses an unknown zone", () => {
    expect(dueFor(undefined, "+375291234567").contact.timezone).toBe("Europe/Minsk");
    expect(dueFor("Asia/Vladivostok", "+375291234567").contact.timezone).toBe("Asia/Vladivostok");
    const h = new FlowHarness(
      new FlowCatalog([
        new FlowLoader().parse(
          "id: tz\ntitle: TZ\nsettings: { requireConsent: false }\nsteps:\n  - id: set\n    set: { contact.timezone: Mars/Olympus }\n  - id: bye\n    end: Ок\n",
          "tz.yaml",
        ),
      ]),
    );
    h.send({ type: "start", flowId: "tz" });
    expect(h.contact.timezone).toBeUndefined();
    expect(h.events.find((e) => e.type === "flow_error")?.data).toMatchObject({ reason: "bad_time_zone" });
  });
});
