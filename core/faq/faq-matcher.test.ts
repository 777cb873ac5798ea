import { describe, expect, it } from "vitest";
import { FaqMatcher, faqThresholds } from "./faq-matcher.ts";
import { FaqTerms } from "./faq-terms.ts";

const matcher = new FaqMatcher(
  [
    { id: "price", questions: ["Сколько стоит консультация?", "Консультация платная?"], answer: "Бесплатно" },
    { id: "delivery", questions: ["Когда придёт чек-лист?", "Где мой чек-лист?"], answer: "Сразу" },
    { id: "hours", questions: ["What are your opening hours?"], answer: "10–19" },
  ],
  [["цена", "стоимость", "стоить", "прайс"]],
);
const best = (question: string) => matcher.match(question, 1)[0];

describe("FaqTerms", () => {
  it("normalises case, ё, punctuation, emoji and hyphens, drops stop words, stems Russian and English", () => {
    const terms = new FaqTerms([["цена", "стоимость"]]);
    expect(terms.of("Ёлки-палки!!! 🎄 Какая СТОИМОСТЬ у чек-листа?")).toEqual(["елкипалк", "цен", "чеклист"]);
    expect(terms.of("What are the opening hours?")).toEqual(["what", "open", "hour"]);
  });
});

describe("FaqMatcher", () => {
  it("finds the entry for a paraphrase with full confidence", () => {
    expect(best("сколько стоит консультация")).toMatchObject({ entry: { id: "price" }, confidence: 1 });
    expect(best("Where is my checklist?")?.entry.id).not.toBe("price");
  });

  it("forgives typos and knows synonyms", () => {
    expect(best("скока стоит консультацыя")?.entry.id).toBe("price");
    expect(best("какая цена консультации")?.entry.id).toBe("price");
    expect(best("гдe мой чеклист")?.entry.id).toBe("delivery");
    expect(best("opening hour")?.entry.id).toBe("hours");
  });

  it("gives a low confidence when only part of the question matches, and nothing for small talk", () => {
    const partial = best("консультация для моего бизнеса по маркетингу");
    expect(partial?.entry.id).toBe("price");
    expect(partial?.confidence).toBeLessThan(faqThresholds.answerFrom);
    for (const smallTalk of ["привет", "спасибо", "👍", "ок"]) {
      expect(
        matcher.match(smallTalk).filter((m) => m.confidence >= faqThresholds.suggestFrom),
        smallTalk,
      ).toEqual([]);
    }
  });

  it("ranks one result per entry, best first", () => {
    const ranked = matcher.match("когда консультация и где чек-лист", 3);
    expect(new Set(ranked.map((m) => m.entry.id)).size).toBe(ranked.length);
    expect(ranked.map((m) => m.score)).toEqual([...ranked.map((m) => m.score)].sort((a, b) => b - a));
  });
});
