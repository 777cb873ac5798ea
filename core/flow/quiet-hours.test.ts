import { describe, expect, it } from "vitest";
import { QuietHours } from "./quiet-hours.ts";

describe("QuietHours", () => {
  const night = QuietHours.parse("22:00-09:00", "Europe/Moscow");

  it.each([
    ["2026-01-05T18:59:00Z", "2026-01-05T18:59:00.000Z"], // 21:59 Moscow: still allowed
    ["2026-01-05T19:00:00Z", "2026-01-06T06:00:00.000Z"], // 22:00 → 09:00 next morning
    ["2026-01-06T00:30:00Z", "2026-01-06T06:00:00.000Z"], // 03:30 → 09:00 the same morning
    ["2026-01-06T06:00:00Z", "2026-01-06T06:00:00.000Z"], // 09:00: allowed again
  ])("moves %s to %s", (at, expected) => {
    expect(night.shift(new Date(at)).toISOString()).toBe(expected);
  });

  it("supports a window inside one day and refuses bad input", () => {
    const lunch = QuietHours.parse("13:00-14:00", "UTC");
    expect(lunch.shift(new Date("2026-01-05T13:30:00Z")).toISOString()).toBe("2026-01-05T14:00:00.000Z");
    expect(() => QuietHours.parse("22-09", "UTC")).toThrow(/22:00-09:00/);
    expect(() => QuietHours.parse("22:00-09:00", "Mars/Base")).toThrow(/unknown time zone/);
  });
});
