import { describe, expect, it } from "vitest";
import { FlowCatalog } from "../flow/flow-catalog.ts";
import { FlowLoader } from "../flow/flow-loader.ts";
import { engineTexts } from "../texts/engine-texts.ts";
import { FlowHarness } from "./flow-harness.ts";

const ru = engineTexts.ru;
const loader = new FlowLoader();
const survey = `  - id: nps
    survey:
      id: nps_after_purchase
      scale: nps
      text: Насколько вероятно, что вы порекомендуете нас друзьям?
      once: 90d
      comment: { text: Что можно улучшить?, low: Жаль! Что пошло не так?, high: Спасибо! Что понравилось больше всего? }
    branches:
      - { group: detractors, goto: sorry }
      - { when: "answer >= 9", goto: review }
    goto: bye
  - id: review
    review:
      text: Будем рады отзыву
      high: Вы нас порадовали! Расскажете об этом в отзыве?
      low: Спасибо за честность. Если захотите, напишите отзыв — мы читаем каждый.
      links: [{ text: Яндекс Карты, url: "https://yandex.ru/maps/org/1" }, { text: 2ГИС, url: "https://2gis.ru/firm/1" }]
    goto: bye
  - id: sorry
    say: "Нам жаль. Мы свяжемся с вами: {{ vars.survey.comment }}"
    goto: review
  - id: bye
    end: До встречи!
`;
const flowOf = (id: string, steps = survey) =>
  loader.parse(`id: ${id}\ntitle: ${id}\nsettings: { requireConsent: false }\nsteps:\n${steps}`, `${id}.yaml`);
const atSurvey = () => {
  const h = new FlowHarness(new FlowCatalog([flowOf("after")]), "telegram", new Date("2026-03-02T10:00:00Z"));
  const [question] = h.send({ type: "start", flowId: "after" });
  return { h, question };
};
const texts = (messages: Array<{ text: string }>) => messages.map((m) => m.text);

describe("survey step", () => {
  it("asks NPS as 0–5 and 6–10 buttons and keeps what was asked", () => {
    const { h, question } = atSurvey();
    expect(question?.text).toBe("Насколько вероятно, что вы порекомендуете нас друзьям?");
    expect(question?.buttons?.map((row) => row.map((b) => b.label))).toEqual([
      ["0", "1", "2", "3", "4", "5"],
      ["6", "7", "8", "9", "10"],
    ]);
    expect(h.surveyAnswers).toEqual([
      { part: "sent", surveyId: "nps_after_purchase", scale: "nps", question: question?.text, stepId: "nps", visit: 1 },
    ]);
    expect(h.events.find((e) => e.type === "survey_sent")?.data).toEqual({ surveyId: "nps_after_purchase", stepId: "nps" });
  });

  it("a promoter: the score pressed, the high comment question, thanks, the review request in the promoters' words", () => {
    const { h, question } = atSurvey();
    expect(texts(h.press("10", [question as never]))).toEqual(["Спасибо! Что понравилось больше всего?"]);
    const end = h.text("Быстрая доставка");
    expect(texts(end)).toEqual([ru.surveyThanks, "Вы нас порадовали! Расскажете об этом в отзыве?", "До встречи!"]);
    expect(end[1]?.buttons).toEqual([
      [{ label: "Яндекс Карты", url: "https://yandex.ru/maps/org/1" }],
      [{ label: "2ГИС", url: "https://2gis.ru/firm/1" }],
    ]);
    expect(h.surveyAnswers.slice(1).map(({ part, score, group, comment }) => ({ part, score, group, comment }))).toEqual([
      { part: "score", score: 10, group: "promoter", comment: undefined },
      { part: "comment", score: undefined, group: undefined, comment: "Быстрая доставка" },
    ]);
  });

  it("a passive typing «8 из 10» skips the comment and goes on without a review request", () => {
    const { h } = atSurvey();
    const comment = h.text("8 из 10");
    expect(texts(comment)).toEqual(["Что можно улучшить?"]);
    expect(comment[0]?.buttons?.[0]?.[0]?.label).toBe(ru.surveySkipComment);
    expect(texts(h.press(ru.surveySkipComment, comment))).toEqual([ru.surveyThanks, "До встречи!"]);
    expect(h.events.filter((e) => e.type === "survey_answered").map((e) => e.data)).toMatchObject([
      { part: "score", score: 8, group: "passive" },
      { part: "comment", comment: "" },
    ]);
  });

  it("a detractor: the low question, the apology branch with the comment, the review request in its own words, support told", () => {
    const { h } = atSurvey();
    const score = h.engine.handle(h.input({ type: "text", text: "три" }));
    expect(score.effects.find((e) => e.type === "notify_support")).toMatchObject({
      text: "Опрос nps_after_purchase: оценка 3 из 10 (критик).",
    });
    const { h: again } = atSurvey();
    again.text("3");
    expect(texts(again.text("Курьер опоздал на два часа"))).toEqual([
      ru.surveyThanks,
      "Нам жаль. Мы свяжемся с вами: Курьер опоздал на два часа",
      "Спасибо за честность. Если захотите, напишите отзыв — мы читаем каждый.",
      "До встречи!",
    ]);
  });

  it("a typed answer that is no score is asked again; a score pressed again later changes nothing and says so", () => {
    const { h, question } = atSurvey();
    expect(texts(h.text("не знаю"))[0]).toBe(`${ru.surveyRetry.replace("{min}", "0").replace("{max}", "10")}\n\n${question?.text}`);
    expect(texts(h.text("15"))[0]).toContain("от 0 до 10");
    h.press("9", [question as never]);
    const pressedAgain = h.press("2", [question as never]);
    expect(texts(pressedAgain)[0]).toBe(`${ru.surveyAlreadyAnswered}\n\nСпасибо! Что понравилось больше всего?`);
    h.text("Всё");
    expect(h.surveyAnswers.filter((a) => a.part === "score").map((a) => a.score)).toEqual([9]);
    // The survey is over: its buttons are stale now.
    expect(texts(h.press("1", [question as never]))[0]).toContain(ru.staleButton);
  });

  it("is asked once per period across flows: another flow's survey of the same id is skipped within 90 days", () => {
    const first = flowOf("after");
    const second = flowOf(
      "other",
      `  - id: ask\n    survey: { id: nps_after_purchase, scale: nps, text: Оцените нас, once: 90d }\n    skipped: done\n  - id: thanks\n    end: Спасибо\n  - id: done\n    end: Уже спрашивали\n`,
    );
    const h = new FlowHarness(new FlowCatalog([first, second]), "telegram", new Date("2026-03-02T10:00:00Z"));
    h.send({ type: "start", flowId: "after" });
    h.text("10");
    h.advance("30d");
    expect(texts(h.send({ type: "start", flowId: "other" }))).toEqual(["Уже спрашивали"]);
    expect(h.events.find((e) => e.type === "survey_skipped")?.data).toEqual({
      surveyId: "nps_after_purchase",
      stepId: "ask",
      lastSentAt: "2026-03-02T10:00:00.000Z",
    });
    h.advance("61d");
    expect(texts(h.send({ type: "start", flowId: "other" }))).toEqual(["Оцените нас"]);
  });

  it("is checked when the flow loads: a custom scale needs labels, labels match the points, one reminder at most", () => {
    const broken = (body: string) => () => flowOf("bad", `  - id: s\n    survey: { id: s, text: Q, ${body} }\n`);
    expect(broken("scale: scale")).toThrow(/needs `labels`/);
    expect(broken("scale: csat, labels: [a, b]")).toThrow(/csat has 5 points/);
    expect(() =>
      flowOf(
        "bad",
        "  - id: s\n    survey: { id: s, text: Q, scale: csat }\n    followUps: [{ after: 1d, say: a }, { after: 2d, say: b }]\n",
      ),
    ).toThrow(/at most one reminder/);
  });
});
