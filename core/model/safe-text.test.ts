import { describe, expect, it } from "vitest";
import { safeText } from "./safe-text.ts";

describe("safeText", () => {
  it("replaces NUL and lone surrogates, keeps whole emoji", () => {
    expect(safeText("a\u0000b")).toBe("a\uFFFDb");
    expect(safeText("half \uD83D emoji")).toBe("half \uFFFD emoji");
    expect(safeText("\uDE00 tail")).toBe("\uFFFD tail");
    expect(safeText("ok 😀")).toBe("ok 😀");
  });

  it("cuts long text without splitting a surrogate pair", () => {
    expect(safeText("x".repeat(10_000))).toHaveLength(8192);
    expect(safeText("ab😀", 3)).toBe("ab");
  });
});
