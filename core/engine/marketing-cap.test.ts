import { describe, expect, it } from "vitest";
import { nextAllowedByCap } from "./marketing-cap.ts";

const at = (iso: string) => Date.parse(iso);

describe("the marketing frequency cap", () => {
  it("counts the contact's own calendar day: two sent on 2 March in Vladivostok is a new day already in UTC terms", () => {
    // 14:00 and 15:00 UTC on 2 March are 00:00 and 01:00 on 3 March in Vladivostok, 16:00 and 17:00 in Kaliningrad.
    const sent = [at("2026-03-02T14:00:00Z"), at("2026-03-02T15:00:00Z")];
    const now = new Date("2026-03-02T20:00:00Z");
    expect(nextAllowedByCap(sent, now, "Europe/Kaliningrad", { perDay: 2 })?.toISOString()).toBe("2026-03-02T22:00:00.000Z");
    expect(nextAllowedByCap(sent, now, "Asia/Vladivostok", { perDay: 2 })?.toISOString()).toBe("2026-03-03T14:00:00.000Z");
    expect(nextAllowedByCap(sent, now, "Europe/Kaliningrad", { perDay: 3 })).toBeUndefined();
    expect(nextAllowedByCap(sent, now, "Europe/Kaliningrad", {})).toBeUndefined();
  });

  it("a week's cap waits for Monday", () => {
    const sent = ["2026-03-02T10:00:00Z", "2026-03-03T10:00:00Z", "2026-03-04T10:00:00Z"].map(at);
    const thursday = new Date("2026-03-05T10:00:00Z");
    expect(nextAllowedByCap(sent, thursday, "Europe/Moscow", { perDay: 2, perWeek: 3 })?.toISOString()).toBe("2026-03-08T21:00:00.000Z");
    expect(nextAllowedByCap(sent, thursday, "Europe/Moscow", { perDay: 2, perWeek: 4 })).toBeUndefined();
  });
});
