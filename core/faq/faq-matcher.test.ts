import { describe, expect, it } from "vitest";
import { type FaqMatch, FaqMatcher, faqReaction, faqThresholds } from "./faq-matcher.ts";
import { FaqTerms, sameWord } from "./faq-terms.ts";

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
  it("never reads a lexicon member that is only small words: «ТО» of a car service is «то» everywhere else", () => {
    const terms = new FaqTerms([], [["техобслуживание", "то", "it"]]);
    expect(terms.analyse("когда пройти техобслуживание").concepts).toEqual(["~техобслуживан"]);
    expect(terms.analyse("а то вдруг сломается").concepts).toEqual([]);
    expect(terms.analyse("is it open").concepts).toEqual([]);
  });

  it("normalises case, ё, punctuation, emoji and hyphens, drops stop words, stems Russian and English", () => {
    const terms = new FaqTerms([["цена", "стоимость"]]);
    expect(terms.of("Ёлки-палки!!! 🎄 Какая СТОИМОСТЬ у чек-листа?")).toEqual(["елкипалк", "цен", "чеклист", "~цен"]);
    expect(terms.of("What are the opening hours?")).toEqual(["what", "open", "hour", "~час_работ"]);
  });

  it("adds the general lexicon's meanings of words and phrases, across word forms", () => {
    const terms = new FaqTerms();
    expect(terms.analyse("можно оплатить частями?").concepts).toContain("~рассрочк");
    expect(terms.analyse("Есть рассрочка?").concepts).toContain("~рассрочк");
    expect(terms.analyse("до скольки вы сегодня").concepts).toContain("~час_работ");
    expect(terms.analyse("как к вам добраться").concepts).toContain("~адрес");
    expect(terms.analyse("запишите меня на четверг").concepts).toContain("~записа");
    expect(terms.analyse("what time do you open").concepts).toContain("~час_работ");
    expect(terms.analyse("привет").concepts).toEqual([]);
    // Words that only look like a lexicon's: «почему» is no «почём», breakfast no break, a room number no phone.
    expect(terms.analyse("почему так долго").concepts).not.toContain("~цен");
    expect(terms.analyse("is breakfast included").concepts).not.toContain("~пауз");
    expect(terms.analyse("what is my room number").concepts).not.toContain("~телефон");
  });

  it("reads a word typed on the wrong keyboard layout when the knowledge base knows it", () => {
    const terms = new FaqTerms();
    expect(terms.analyse("ljcnfdrf в пермь", (t) => t === "доставк").words).toEqual(["доставк", "перм"]);
    expect(terms.analyse("hello there", (t) => t === "доставк").words).toEqual(["hello"]);
  });
});

describe("sameWord", () => {
  it("joins forms the stemmer leaves apart, and keeps short stems apart", () => {
    expect(sameWord("доставл", "доставк")).toBe(true);
    expect(sameWord("привет", "привезт")).toBe(false);
    expect(sameWord("пломб", "запломбирова")).toBe(true);
    expect(sameWord("what", "whatsapp")).toBe(false);
    expect(sameWord("доставк", "достав")).toBe(true);
    expect(sameWord("достав", "оплат")).toBe(false);
  });

  it("keeps a word and its opposite apart («unsubscribe» is no «subscribe»)", () => {
    expect(sameWord("subscrib", "unsubscrib")).toBe(false);
    expect(sameWord("удобн", "неудобн")).toBe(false);
    expect(sameWord("болезнен", "безболезнен")).toBe(false);
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

  it("offers the entry whose question a long message holds whole, however much else it says, and does not answer it outright", () => {
    const rambling = best("вчера вечером подписалась на рассылку, муж говорит ерунда, подруга советовала, так где мой чек-лист");
    expect(rambling?.entry.id).toBe("delivery");
    expect(rambling?.confidence).toBeGreaterThanOrEqual(faqThresholds.suggestFrom);
    expect(rambling?.confidence).toBeLessThan(faqThresholds.answerFrom);
  });

  it("ranks one result per entry, best first", () => {
    const ranked = matcher.match("когда консультация и где чек-лист", 3);
    expect(new Set(ranked.map((m) => m.entry.id)).size).toBe(ranked.length);
    expect(ranked.map((m) => m.confidence)).toEqual([...ranked.map((m) => m.confidence)].sort((a, b) => b - a));
  });

  it("finds an entry by the words of its answer and by the lexicon's meanings", () => {
    const shop = new FaqMatcher([
      { id: "hours", questions: ["Какой у вас график работы?"], answer: "Ежедневно с 10:00 до 22:00." },
      { id: "installments", questions: ["Есть рассрочка?"], answer: "Да, через «Долями»: четыре платежа без переплаты." },
      { id: "address", questions: ["Где вы находитесь?"], answer: "Москва, ул. Ленина, 5, у метро Пушкинская." },
      { id: "delivery", questions: ["Сколько стоит доставка?"], answer: "300 ₽, бесплатно от 3000 ₽." },
    ]);
    const top = (q: string) => shop.match(q, 1)[0]?.entry.id;
    expect(top("до скольки вы сегодня работаете")).toBe("hours");
    expect(top("можно оплатить частями")).toBe("installments");
    expect(top("долями можно?")).toBe("installments");
    expect(top("как к вам добраться от метро")).toBe("address");
    expect(top("ljcnfdrf сколько")).toBe("delivery");
    // A slip in a word the knowledge base has, or one of the lexicon's: the entry is answered outright.
    expect(shop.match("сколько стоит доствка", 1)[0]).toMatchObject({ entry: { id: "delivery" } });
    expect(shop.match("сколько стоит доствка", 1)[0]?.confidence).toBeGreaterThanOrEqual(faqThresholds.answerFrom);
    expect(top("есть расрочка?")).toBe("installments");
  });

  it("gives words of wanting and needing no weight: they say that something is asked, not what", () => {
    const shop = new FaqMatcher([
      { id: "gift-wrap", questions: ["Упакуете подарок?"], answer: "Да, если нужна упаковка, отметьте это в заказе." },
      { id: "jobs", questions: ["Есть вакансии?"], answer: "Ищем продавцов и кладовщиков." },
    ]);
    expect(shop.match("продавцы нужны?", 1)[0]?.entry.id).toBe("jobs");
  });

  it("puts right a slip that leaves the stemmer a different stem, by the word as written", () => {
    const inn = new FaqMatcher([
      { id: "parking", questions: ["Is there parking?"], answer: "Free, in the yard." },
      { id: "breakfast", questions: ["Is breakfast included?"], answer: "Yes, from 8 to 10." },
    ]);
    // «parkign» stems to itself, «parking» to «park»: only the whole word is one slip away.
    expect(inn.match("parkign near you?", 1)[0]?.entry.id).toBe("parking");
  });
  it("finds nothing like arithmetic, a recipe or a joke, whatever words they share, unless the knowledge base speaks of it", () => {
    const shop = new FaqMatcher([
      { id: "price", questions: ["Сколько стоит доставка?", "What does delivery cost?"], answer: "300 ₽." },
      { id: "sofa", questions: ["Какие размеры у дивана?"], answer: "200×90 и 160×80." },
      { id: "cooking", questions: ["Как сделать заказ?"], answer: "В корзине." },
    ]);
    for (const offTopic of [
      "сколько будет 17 умножить на 3",
      "2+2 сколько будет",
      "whats 17 times 23",
      "как приготовить доставку пиццы дома",
      "расскажи анекдот про доставку",
    ])
      expect(shop.match(offTopic), offTopic).toEqual([]);
    expect(shop.match("диван 200×90 есть?", 1)[0]?.entry.id).toBe("sofa");
    const school = new FaqMatcher([{ id: "recipes", questions: ["Где рецепты с урока?"], answer: "В личном кабинете." }]);
    expect(school.match("как приготовить пасту с урока", 1)[0]?.entry.id).toBe("recipes");
  });
});

describe("faqReaction", () => {
  const entry = (id: string) => ({ id, questions: [id], answer: id });
  it("answers a sure match, offers only buttons nearly as likely as the best, and nothing below the floor", () => {
    expect(faqReaction([{ entry: entry("a"), score: 1, confidence: faqThresholds.answerFrom }])).toMatchObject({ kind: "answer" });
    const unsure = faqReaction([
      { entry: entry("a"), score: 1, confidence: 0.5 },
      { entry: entry("b"), score: 1, confidence: 0.4 },
      { entry: entry("c"), score: 1, confidence: 0.25 },
    ]);
    expect(unsure.kind === "suggest" && unsure.matches.map((m) => m.entry.id)).toEqual(["a", "b"]);
    expect(faqReaction([{ entry: entry("a"), score: 1, confidence: faqThresholds.suggestFrom - 0.01 }])).toEqual({ kind: "none" });
    expect(faqReaction([])).toEqual({ kind: "none" });
  });

  it("counts the meanings one word has in several trades as one piece of evidence", () => {
    const entries = [
      { id: "late-check-out", questions: ["Can I check out later?"], answer: "Until 16:00 for a fee" },
      { id: "luggage", questions: ["Can I leave my luggage?"], answer: "Free, behind reception" },
    ];
    // «check» is a clinic's check-up; in more trades it is also an event's check-in and a shop's checklist.
    const oneTrade = [
      ["check out", "checkout", "departure"],
      ["checkup", "medical exam"],
    ];
    const threeTrades = [...oneTrade, ["checkin", "registration desk"], ["checklist", "list of items"]];
    const question = "can we leave our suitcases after check out, flight is late";
    const [one] = new FaqMatcher(entries, [], { lexicon: oneTrade }).match(question, 1);
    const [many] = new FaqMatcher(entries, [], { lexicon: threeTrades }).match(question, 1);
    expect(one?.entry.id).toBe(many?.entry.id);
    expect(many?.confidence).toBeCloseTo(one?.confidence ?? 0, 5);
  });

  it("finds an entry by the question bank's ways of asking about its topic, as a button, never answered on that alone", () => {
    const bank = new FaqMatcher([
      {
        id: "reschedule",
        questions: ["можно перенести приём на другой день", "сдвиньте меня на пятницу", "не успеваю в четверг, давайте на другой день"],
        answer: "—",
      },
      { id: "opening-hours", questions: ["до скольки вы работаете", "вы в воскресенье открыты"], answer: "—" },
    ]);
    const entries = [
      { id: "move", questions: ["Как перенести приём?"], answer: "Позвоните администратору за сутки." },
      { id: "hours", questions: ["Какой у вас график?"], answer: "Ежедневно с 9:00 до 21:00." },
    ];
    const question = "не успеваю к вам в четверг, давайте на другой день";
    expect(new FaqMatcher(entries).match(question)).toEqual([]);
    const [found] = new FaqMatcher(entries, [], { bank }).match(question);
    expect(found?.entry.id).toBe("move");
    expect(faqReaction([found as FaqMatch]).kind).toBe("suggest");
  });
});
