import { describe, expect, it } from "vitest";
import { Spelling } from "./spelling.ts";

describe("Spelling", () => {
  const spelling = new Spelling(["скидк", "доставк", "рассрочк", "start"]);

  it("puts right a letter missed, added, changed or two swapped", () => {
    expect(spelling.correct("доствк")).toBe("доставк");
    expect(spelling.correct("расссрочк")).toBe("рассрочк");
    expect(spelling.correct("дсотавк")).toBe("доставк");
  });

  it("leaves a known word, a short one, a far one and an ambiguous one as typed", () => {
    expect(spelling.correct("скидк")).toBeUndefined();
    expect(spelling.correct("скитк")).toBeUndefined();
    expect(spelling.correct("strat")).toBeUndefined();
    expect(spelling.correct("сбербанк")).toBeUndefined();
    expect(new Spelling(["доставк", "доставл"]).correct("доставн")).toBeUndefined();
    expect(new Spelling(["start"], 5).correct("strat")).toBe("start");
  });

  it("puts a whole word right against the words as written, six letters or more whatever the stems' minimum", () => {
    const words = new Spelling(["park"], 5, ["parking", "chat"]);
    expect(words.correctWord("parkng")).toBe("parking");
    expect(words.correct("parkng")).toBeUndefined();
    expect(words.correctWord("parking")).toBeUndefined();
    // «chart» is a word of its own, one letter from «chat»: five letters are too few to tell.
    expect(words.correctWord("chart")).toBeUndefined();
  });

  it("takes a slip near two spellings of one meaning, not near two different words", () => {
    const meaning = (word: string) => (word === "кешбэк" || word === "кэшбек" ? "~кешбэк" : word);
    expect(new Spelling([], 6, ["кешбэк", "кэшбек"], meaning).correctWord("кэшбэк")).toBe("кешбэк");
    expect(new Spelling([], 6, ["кешбэк", "кэшбек"]).correctWord("кэшбэк")).toBeUndefined();
  });

  it("counts the words of a shared base vocabulary as its own, for slips and for ambiguity", () => {
    const base = new Spelling(["доставк"], 6, ["рассрочка"]);
    const own = new Spelling(["скидк"], 6, ["кешбэк"], undefined, base);
    expect(own.correct("доствк")).toBe("доставк");
    expect(own.correctWord("расрочка")).toBe("рассрочка");
    expect(own.correctWord("кешбек")).toBe("кешбэк");
    expect(own.correctWord("рассрочка")).toBeUndefined();
    // One slip from a word of each: no telling which was meant.
    expect(new Spelling([], 6, ["доставка"], undefined, new Spelling([], 6, ["доставки"])).correctWord("доставко")).toBeUndefined();
  });
});
