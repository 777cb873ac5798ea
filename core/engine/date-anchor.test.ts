import { describe, expect, it } from "vitest";
import { FlowCatalog } from "../flow/flow-catalog.ts";
import { FlowLoader } from "../flow/flow-loader.ts";
import { anchoredDueAt } from "./date-anchor.ts";
import { FlowHarness } from "./flow-harness.ts";

const now = new Date("2026-03-02T08:00:00Z");
const due = (anchor: Parameters<typeof anchoredDueAt>[0], zone = "Europe/Moscow", at = now) => {
  const result = anchoredDueAt(anchor, zone, at);
  return "dueAt" in result ? result.dueAt.toISOString() : result.skip;
};

describe("a follow-up anchored on a date", () => {
  it("is due at 18:00 the day before the class in the contact's own zone: Vladivostok and Kaliningrad differ by 8 hours", () => {
    const anchor = { value: "2026-03-10T19:00", before: "1d", at: "18:00" };
    expect(due(anchor, "Asia/Vladivostok")).toBe("2026-03-09T08:00:00.000Z");
    expect(due(anchor, "Europe/Kaliningrad")).toBe("2026-03-09T16:00:00.000Z");
  });

  it("reads the strict forms only: ISO dates with or without time and offset, and 24.12.2026 [19:00]", () => {
    expect(due({ value: "2026-03-10", after: "3d" })).toBe("2026-03-13T07:00:00.000Z"); // a date alone: 10:00
    expect(due({ value: "2026-03-10T19:00:00+03:00", after: "3d" })).toBe("2026-03-13T16:00:00.000Z");
    expect(due({ value: "2026-03-10T16:00:00Z", before: "2h" })).toBe("2026-03-10T14:00:00.000Z");
    expect(due({ value: "10.03.2026 19:00", before: "1d", at: "18:00" })).toBe("2026-03-09T15:00:00.000Z");
    expect(due({ value: "10.03.2026" })).toBe("2026-03-10T07:00:00.000Z");
    for (const value of [
      "10/03/2026",
      "завтра",
      "2026-02-30",
      "31.04.2026",
      "2026-03-10T25:00",
      "1.3.2026",
      1773100800000,
      null,
      undefined,
      "",
    ])
      expect(due({ value }), String(value)).toBe("bad_date");
  });

  it("skips a date already past rather than reminding late", () => {
    expect(due({ value: "2026-03-02T10:00", before: "1d", at: "18:00" })).toBe("date_passed");
    expect(due({ value: "2026-03-01" })).toBe("date_passed");
  });

  it("keeps the wall-clock time across a change of UTC offset (a day is a calendar day)", () => {
    // Berlin moves to summer time on 29 March 2026: 18:00 on the 28th is 17:00 UTC, on the 30th 16:00 UTC.
    expect(due({ value: "2026-03-30T18:00", before: "2d" }, "Europe/Berlin")).toBe("2026-03-28T17:00:00.000Z");
  });

  it("repeats every year: the next birthday to come, and 29 February on the 28th in a common year", () => {
    expect(due({ value: "1990-05-17", at: "10:00", every: "year" })).toBe("2026-05-17T07:00:00.000Z");
    expect(due({ value: "1990-01-17", at: "10:00", every: "year" })).toBe("2027-01-17T07:00:00.000Z");
    expect(due({ value: "1992-02-29", at: "10:00", every: "year" })).toBe("2027-02-28T07:00:00.000Z");
    expect(due({ value: "1992-02-29", at: "10:00", every: "year" }, "Europe/Moscow", new Date("2027-03-01T00:00:00Z"))).toBe(
      "2028-02-29T07:00:00.000Z",
    );
    // A greeting the week before the birthday may fall in the year before.
    expect(due({ value: "1990-01-03", before: "7d", at: "12:00", every: "year" }, "Europe/Moscow", new Date("2026-12-20T00:00:00Z"))).toBe(
      "2026-12-27T09:00:00.000Z",
    );
  });
});

const flow = new FlowLoader().parse(
  `id: classes
title: Classes
settings: { quietHours: "22:00-09:00", timezone: Europe/Moscow, requireConsent: false }
steps:
  - id: book
    set: { vars.class_at: "{{ contact.class_at }}" }
  - id: booked
    say: Вы записаны
    buttons: [{ text: Ещё раз, goto: book }]
    followUps:
      - { on: vars.class_at, before: 1d, at: "18:00", say: "Завтра занятие в {{ vars.class_at | slice: 11, 5 }}" }
      - { on: contact.birthday, at: "10:00", every: year, say: С днём рождения! }
`,
  "classes.yaml",
);

function harness(fields: Record<string, unknown>, timezone: string) {
  const h = new FlowHarness(new FlowCatalog([flow]), "telegram", now);
  h.contact = { ...h.contact, timezone, fields };
  h.send({ type: "start", flowId: "classes" });
  return h;
}

describe("date-anchored follow-ups in a flow", () => {
  it("fire at 18:00 the day before in each contact's zone, on the virtual clock", () => {
    const vladivostok = harness({ class_at: "2026-03-10T19:00" }, "Asia/Vladivostok");
    const kaliningrad = harness({ class_at: "2026-03-10T19:00" }, "Europe/Kaliningrad");
    expect(vladivostok.pending.map((p) => p.dueAt.toISOString())).toEqual(["2026-03-09T08:00:00.000Z"]);
    expect(kaliningrad.pending.map((p) => p.dueAt.toISOString())).toEqual(["2026-03-09T16:00:00.000Z"]);
    expect(vladivostok.advance("7d").map((m) => m.text)).toEqual(["Завтра занятие в 19:00"]);
    expect(vladivostok.now.toISOString()).toBe("2026-03-09T08:00:00.000Z");
    expect(kaliningrad.advance("7d").map((m) => m.text)).toEqual([]);
    expect(kaliningrad.advance("8h").map((m) => m.text)).toEqual(["Завтра занятие в 19:00"]);
  });

  it("records a date that is past or no date at all, and plans nothing for it", () => {
    const h = harness({ class_at: "вторник" }, "Europe/Moscow");
    expect(h.pending).toEqual([]);
    const skipped = h.events.filter((e) => e.type === "followup_skipped").map((e) => e.data);
    expect(skipped).toEqual([
      { visit: 2, stepId: "booked", index: 0, reason: "bad_date" },
      { visit: 2, stepId: "booked", index: 1, reason: "bad_date" },
    ]);
    const past = harness({ class_at: "2026-03-02T12:00" }, "Europe/Moscow");
    expect(past.events.find((e) => e.type === "followup_skipped")?.data).toMatchObject({ index: 0, reason: "date_passed" });
  });

  it("moves with the date when the class is moved before the reminder goes", () => {
    const h = harness({ class_at: "2026-03-10T19:00" }, "Europe/Moscow");
    const conversation = h.conversation("classes");
    if (conversation) conversation.vars.class_at = "2026-03-17T19:00";
    expect(h.advance("7d12h").map((m) => m.text)).toEqual([]);
    expect(h.advance("7d").map((m) => m.text)).toEqual(["Завтра занятие в 19:00"]);
    const postponed = h.events.find((e) => e.type === "followup_postponed");
    expect(postponed?.data).toMatchObject({ until: "2026-03-16T15:00:00.000Z", reason: "date_changed" });
  });

  it("wishes a happy birthday every year while the contact stays", () => {
    const h = harness({ birthday: "1990-03-05", class_at: "2026-03-03T19:00" }, "Asia/Vladivostok");
    expect(h.advance("4d").map((m) => m.text)).toEqual(["С днём рождения!"]);
    const again = h.events.filter((e) => e.type === "followup_postponed").map((e) => e.data);
    expect(again).toEqual([{ visit: 2, stepId: "booked", index: 1, until: "2027-03-05T00:00:00.000Z", reason: "every_year" }]);
    // Pending again rather than fired, it still counts against the frequency cap.
    expect(h.events.filter((e) => e.type === "marketing_sent").map((e) => e.data)).toEqual([{ via: "every_year" }]);
    expect(h.advance("363d15h59m").map((m) => m.text)).toEqual([]);
    expect(h.advance("1m").map((m) => m.text)).toEqual(["С днём рождения!"]);
  });
});
