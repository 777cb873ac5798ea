import { describe, expect, it } from "vitest";
import { checkedEvent, parseEvent } from "./event-catalog.ts";

describe("the event catalog", () => {
  it("refuses to write an event type it does not know, or a payload that does not match", () => {
    expect(() => checkedEvent({ type: "promo_isued", data: { pool: "a", code: "b" } })).toThrow(
      /"promo_isued" is not in the event catalog/,
    );
    expect(() => checkedEvent({ type: "tag_added", data: { tag: 7 } })).toThrow(/"tag_added" does not match/);
    expect(() => checkedEvent({ type: "tag_added", data: { tag: "vip", extra: true } })).toThrow(/Unrecognized key/);
    expect(checkedEvent({ type: "tag_added", data: { tag: "vip" } }).type).toBe("tag_added");
  });

  it("reads rows back typed, dropping unknown types and keys of payloads written before it", () => {
    expect(parseEvent({ type: "tag_added", data: { tag: "vip", legacy: 1 } })).toEqual({ type: "tag_added", data: { tag: "vip" } });
    expect(parseEvent({ type: "no_such_event", data: {} })).toBeUndefined();
    expect(parseEvent({ type: "tag_added", version: 99, data: { tag: "vip" } })).toBeUndefined();
  });
});
