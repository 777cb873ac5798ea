import { describe, expect, it } from "vitest";
import { splitText } from "./split-text.ts";

describe("splitText", () => {
  it("keeps short texts whole", () => {
    expect(splitText("Привет!", 4096)).toEqual(["Привет!"]);
  });

  it("cuts at the last paragraph break that fits, then at sentences, never above the limit", () => {
    const paragraph = "Предложение номер один. ".repeat(100).trim(); // 2399 chars
    const text = `${paragraph}\n\n${paragraph}\n\n${paragraph}`;
    const parts = splitText(text, 4096);
    expect(parts).toEqual([paragraph, paragraph, paragraph]);
    const long = "Фраза. ".repeat(1000).trim();
    const pieces = splitText(long, 4096);
    expect(pieces.every((p) => p.length <= 4096 && p.endsWith("."))).toBe(true);
    expect(pieces.join(" ")).toBe(long);
  });

  it("hard-cuts a text without any break", () => {
    expect(splitText("x".repeat(5000), 4096).map((p) => p.length)).toEqual([4096, 904]);
  });
});
