import { describe, expect, it } from "vitest";
import { phoneTimeZone } from "./phone-time-zone.ts";

describe("the time zone a phone number tells", () => {
  it("is its country's, when the country has one zone; none for countries of several", () => {
    expect(phoneTimeZone("+375291234567")).toBe("Europe/Minsk");
    expect(phoneTimeZone("+37491234567")).toBe("Asia/Yerevan");
    // Germany's main zone, though Europe/Zurich also serves a German enclave.
    expect(phoneTimeZone("+4915112345678")).toBe("Europe/Berlin");
    expect(phoneTimeZone("+79161234567")).toBeUndefined();
    expect(phoneTimeZone("+77011234567")).toBeUndefined();
    expect(phoneTimeZone("+12025550123")).toBeUndefined();
    expect(phoneTimeZone("not a phone")).toBeUndefined();
  });
});
