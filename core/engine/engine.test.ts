import { describe, expect, it } from "vitest";
import { FlowCatalog } from "../flow/flow-catalog.ts";
import { FlowLoader } from "../flow/flow-loader.ts";
import { engineTexts as catalog } from "../texts/engine-texts.ts";
import { harness, texts } from "./engine-test-kit.ts";
import { FlowHarness } from "./flow-harness.ts";

const loader = new FlowLoader();
const engineTexts = catalog.ru;

describe("Engine: stages and follow-ups on a virtual clock", () => {
  const flow = `  - id: offer
    stage: deal
    say: Offer
    buttons: [{ text: Buy, goto: thanks }]
    followUps:
      - { after: 1h, say: "Still interested, {{ contact.first_name | default: 'friend' }}?" }
      - { after: 1d, say: Last call, unless: '"vip" in contact.tags' }
  - id: thanks
    stage: loyalty
    say: Thanks
    buttons: [{ text: Again, goto: offer }]
    followUps: [{ after: 7d, goto: offer }]
`;

  it("fires follow-ups when due, and never after the contact moved on", () => {
    const h = harness(flow);
    const offer = h.send({ type: "start" });
    expect(h.advance("59m")).toEqual([]);
    expect(texts(h.advance("1m"))).toEqual(["Still interested, friend?"]);
    h.press("Buy", offer);
    expect(h.advance("2d")).toEqual([]);
    expect(h.events.filter((e) => e.type === "stage_changed").map((e) => e.data.to)).toEqual(["deal", "loyalty"]);
  });

  it("skips a follow-up whose unless condition holds at send time", () => {
    const h = harness(flow);
    h.send({ type: "start" });
    h.contact.tags.push("vip");
    expect(texts(h.advance("1d"))).toEqual(["Still interested, friend?"]);
    expect(h.events.some((e) => e.type === "followup_skipped" && e.data.reason === "unless")).toBe(true);
  });

  it("moves the conversation with a goto follow-up", () => {
    const h = harness(flow);
    h.press("Buy", h.send({ type: "start" }));
    expect(texts(h.advance("7d"))).toEqual(["Offer"]);
    expect(h.conversation()?.stepId).toBe("offer");
  });

  it("moves a follow-up out of the flow's quiet hours", () => {
    const flow = loader.parse(
      `id: q\ntitle: Q\nsettings: { quietHours: "22:00-09:00", timezone: Europe/Moscow }\nsteps:\n  - id: a\n    say: Offer\n    buttons: [{ text: Go, goto: b }]\n    followUps: [{ after: 1h, say: Reminder }]\n  - id: b\n    end: true\n`,
      "q.yaml",
    );
    const h = new FlowHarness(new FlowCatalog([flow]), "web", new Date("2026-01-05T18:30:00Z")); // 21:30 in Moscow
    h.send({ type: "start" });
    expect(h.advance("11h")).toEqual([]); // until 08:30 Moscow time
    expect(texts(h.advance("30m"))).toEqual(["Reminder"]);
  });

  it("/stop opts out and cancels follow-ups; /start opts back in", () => {
    const h = harness(flow);
    h.send({ type: "start" });
    expect(texts(h.text("/stop"))).toEqual([engineTexts.optedOut]);
    expect(h.advance("2d")).toEqual([]);
    expect(h.contact.optedOut).toBe(true);
    expect(texts(h.text("/start"))).toEqual(["Offer"]);
    expect(h.contact.optedOut).toBe(false);
  });
});

describe("Engine: entry by trigger", () => {
  const catalog = new FlowCatalog([
    loader.parse(
      "id: main\ntitle: Main\ndefault: true\nsteps:\n  - id: m\n    say: Main\n    buttons: [{ text: X, goto: m2 }]\n  - id: m2\n    end: true\n",
      "main.yaml",
    ),
    loader.parse(
      "id: promo\ntitle: Promo\ntriggers: [{ start: promo }, { keywords: [Скидка] }]\nsteps:\n  - id: p\n    say: Promo\n    followUps: [{ after: 1h, say: Later }]\n    buttons: [{ text: Y, goto: p2 }]\n  - id: p2\n    end: true\n",
      "promo.yaml",
    ),
  ]);

  it("enters the default flow, a /start payload's flow, and a keyword's flow", () => {
    const h = new FlowHarness(catalog);
    expect(texts(h.text("hello"))).toEqual(["Main"]);
    expect(texts(h.text("/start promo"))).toEqual(["Promo"]);
    expect(h.currentFlowId).toBe("promo");
    expect(texts(h.text("/start"))).toEqual(["Main"]);
    expect(h.conversation("promo")?.status).toBe("ended");
    expect(h.advance("2h")).toEqual([]);
    expect(texts(h.text("скидка!"))).toEqual(["Promo"]);
  });

  it("answers politely when nothing matches after the default flow has run", () => {
    const h = new FlowHarness(catalog);
    h.send({ type: "start", flowId: "main" });
    h.text("X");
    expect(texts(h.text("anything"))).toEqual([engineTexts.noFlow]);
  });
});

describe("Engine: attribution", () => {
  it("keeps the first source and follows the last one: deep links (with a __source tag) and keywords", () => {
    const h = harness(
      `  - id: hello
    say: "From {{ contact.first_source }}, now {{ contact.last_source }}"
    buttons: [{ text: Next, goto: hello }]
`,
      "triggers: [{ start: checklist }, { keywords: [чек-лист] }]\n",
    );
    expect(texts(h.send({ type: "start", payload: "checklist__vk_ads" }))).toEqual(["From checklist__vk_ads, now checklist__vk_ads"]);
    expect(texts(h.text("/start checklist__tg_post"))).toEqual(["From checklist__vk_ads, now checklist__tg_post"]);
    expect(texts(h.text("Чек-лист!"))).toEqual(["From checklist__vk_ads, now keyword:чек-лист"]);
    expect(h.contact).toMatchObject({ first_source: "checklist__vk_ads", last_source: "keyword:чек-лист" });
    expect(h.events.filter((e) => e.type === "source_recorded").map((e) => e.data.source)).toEqual([
      "checklist__vk_ads",
      "checklist__tg_post",
      "keyword:чек-лист",
    ]);
  });
});

describe("Engine: consent", () => {
  const steps = `  - id: hello
    say: Hi
    buttons: [{ text: Go, goto: agree }]
    followUps:
      - { after: 1h, say: Marketing nudge }
      - { after: 2h, say: Service reminder, marketing: false }
  - id: agree
    consent: { version: v2, text: "Consent text" }
  - id: ask
    ask: { type: email, text: Email?, save: contact.email }
`;

  it("skips marketing follow-ups of a contact without consent, sends service ones", () => {
    const h = harness(steps);
    h.send({ type: "start" });
    expect(texts(h.advance("3h"))).toEqual(["Service reminder"]);
    expect(h.events.find((e) => e.type === "followup_skipped")?.data.reason).toBe("no_consent");
  });

  it("records consent once per version and does not ask again", () => {
    const h = harness(steps);
    const [question] = h.press("Go", h.send({ type: "start" }));
    expect(question?.buttons?.flat().map((b) => b.label)).toEqual(["Согласен", "Не согласен"]);
    expect(texts(h.text("согласен"))).toEqual(["Email?"]);
    expect(h.contact.consent).toMatchObject({ version: "v2", channel: "web" });
    expect(h.events.find((e) => e.type === "consent_given")?.data).toMatchObject({
      version: "v2",
      text_sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    // Starting again passes the consent step: this version was given.
    expect(texts(h.press("Go", h.send({ type: "start" })))).toEqual(["Email?"]);
  });

  it("withdraws consent with /stop or «отписаться»", () => {
    const h = harness(steps);
    h.press("Go", h.send({ type: "start" }));
    h.text("Согласен");
    expect(texts(h.text("Отписаться!"))[0]).toMatch(/отозвали согласие/);
    expect(h.contact).toMatchObject({ consent: null, optedOut: true });
  });
});

describe("Engine: a flow's own FAQ entries", () => {
  it("answers a question from the flow's faq and repeats the step with its buttons", () => {
    const flow = loader.parse(
      `id: shop
title: Shop
faq:
  - id: delivery
    questions: [Сколько идёт доставка?, Когда привезут заказ?]
    answer: Доставка — 2 дня.
steps:
  - id: pick
    say: Что заказать?
    buttons: [{ text: Пиццу, goto: done }]
  - id: done
    end: Заказ принят
`,
      "shop.yaml",
    );
    const h = new FlowHarness(new FlowCatalog([flow]));
    h.send({ type: "start" });
    const reply = h.text("сколько дней доставка?");
    expect(texts(reply)).toEqual(["Доставка — 2 дня.", "Что заказать?"]);
    expect(reply[1]?.buttons?.flat().map((b) => b.label)).toEqual(["Пиццу"]);
    expect(h.events.find((e) => e.type === "faq_answered")?.data).toMatchObject({ entry: "delivery" });
  });

  it("shows the step again in short (its last paragraph and buttons, no file), and once: not after a second question in a row", () => {
    const flow = loader.parse(
      `id: shop
title: Shop
faq:
  - { id: delivery, questions: [Сколько идёт доставка?], answer: Доставка — 2 дня. }
  - { id: payment, questions: [Как оплатить заказ?], answer: Картой или СБП. }
steps:
  - id: pick
    say: |-
      Добро пожаловать в нашу пиццерию! Мы печём на дровах с 1998 года.

      Что заказать?
    buttons: [{ text: Пиццу, goto: more }]
  - id: more
    say: Что-нибудь ещё?
    buttons: [{ text: Нет, goto: done }]
  - id: done
    end: Заказ принят
`,
      "shop.yaml",
    );
    const h = new FlowHarness(new FlowCatalog([flow]));
    const welcome = h.send({ type: "start" });
    expect(texts(welcome)[0]).toContain("Добро пожаловать");
    const first = h.text("сколько идёт доставка?");
    expect(texts(first)).toEqual(["Доставка — 2 дня.", "Что заказать?"]);
    expect(first[1]?.buttons?.flat().map((b) => b.label)).toEqual(["Пиццу"]);
    expect(texts(h.text("а как оплатить заказ?"))).toEqual(["Картой или СБП."]);
    // The next step is a new visit: after a question there, it is shown again.
    h.press("Пиццу", first);
    expect(texts(h.text("сколько идёт доставка?"))).toEqual(["Доставка — 2 дня.", "Что-нибудь ещё?"]);
  });
});
