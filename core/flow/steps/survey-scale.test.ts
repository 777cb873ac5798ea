import { describe, expect, it } from "vitest";
import { surveyScale } from "./survey-scale.ts";

describe("survey scales", () => {
  it("NPS: 0–10 in two rows (0–5, 6–10), grouped 9–10 / 7–8 / 0–6", () => {
    const nps = surveyScale("nps");
    expect(nps.rows.map((row) => row.map((p) => p.label))).toEqual([
      ["0", "1", "2", "3", "4", "5"],
      ["6", "7", "8", "9", "10"],
    ]);
    expect([0, 6, 7, 8, 9, 10].map((s) => nps.group(s))).toEqual(["detractor", "detractor", "passive", "passive", "promoter", "promoter"]);
  });

  it("reads the ways people type a score, and nothing else", () => {
    const nps = surveyScale("nps");
    const read = (texts: string[]) => texts.map((t) => nps.parse(t));
    expect(read(["10", "10!", " 9 из 10", "9/10", "8 out of 10", "ставлю 7", "десять", "Девять!", "ноль", "nine"])).toEqual([
      10, 10, 9, 9, 8, 7, 10, 9, 0, 9,
    ]);
    expect(read(["11", "-", "8.5", "7,5", "7 или 8", "отлично", "", "один или два", "20 из 100"])).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it("CSAT 1–5 in one row, stars counted; CES 1–7 in rows of four and three; a scale of the flow's own labels", () => {
    const csat = surveyScale("csat");
    expect(csat.rows).toHaveLength(1);
    expect(["⭐⭐⭐⭐", "★★", "⭐⭐⭐⭐⭐⭐", "пятерка", "0"].map((t) => csat.parse(t))).toEqual([4, 2, undefined, 5, undefined]);
    expect([1, 2, 3, 4, 5].map((s) => csat.group(s))).toEqual(["detractor", "detractor", "passive", "promoter", "promoter"]);
    const ces = surveyScale("ces");
    expect(ces.rows.map((row) => row.length)).toEqual([4, 3]);
    expect([3, 4, 5, 6].map((s) => ces.group(s))).toEqual(["detractor", "passive", "passive", "promoter"]);
    const faces = surveyScale("scale", ["😡", "😐", "😍"]);
    expect([faces.min, faces.max, faces.parse("😍"), faces.parse("2"), faces.parse("4")]).toEqual([1, 3, 3, 2, undefined]);
    expect([1, 2, 3].map((s) => faces.group(s))).toEqual(["detractor", "passive", "promoter"]);
  });
});
