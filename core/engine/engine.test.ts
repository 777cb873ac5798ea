import { describe, expect, it } from "vitest";
import { FlowCatalog } from "../flow/flow-catalog.ts";
import { FlowLoader } from "../flow/flow-loader.ts";
import { engineTexts as catalog } from "../texts/engine-texts.ts";
import { FlowHarness } from "./flow-harness.ts";

const engineTexts = catalog.ru;

const loader = new FlowLoader();

function harness(steps: string, header = "", channel: "web" | "vk" = "web") {
  const flow = loader.parse(`id: demo\ntitle: Demo\n${header}steps:\n${steps}`, "demo.yaml");
  return new FlowHarness(new FlowCatalog([flow]), channel);
}

const texts = (messages: { text: string }[]) => messages.map((m) => m.text);

describe("Engine: message step", () => {
  it("sends text with goto and url buttons and follows the pressed button", () => {
    const h = harness(`  - id: hello
    say: "Hello {{ contact.first_name | default: 'friend' }}"
    buttons: [{ text: Next, goto: second }, { text: Site, url: "https://example.com" }]
  - id: second
    say: Second
    goto: third
  - id: third
    say: Third
`);
    const first = h.send({ type: "start" });
    expect(texts(first)).toEqual(["Hello friend"]);
    expect(first[0]?.buttons?.map((row) => row.map((b) => b.label))).toEqual([["Next"], ["Site"]]);
    expect(first[0]?.buttons?.[1]?.[0]?.url).toBe("https://example.com");
    expect(texts(h.press("Next", first))).toEqual(["Second", "Third"]);
    expect(h.conversation()?.status).toBe("ended");
  });

  it("accepts the button label typed as text and re-asks on anything else", () => {
    const h = harness(`  - id: hello
    say: Pick
    buttons: [{ text: Go, goto: done }]
  - id: done
    end: Done
`);
    h.send({ type: "start" });
    expect(texts(h.text("what?"))).toEqual([`${engineTexts.chooseButton}\n\nPick`]);
    expect(texts(h.text("go"))).toEqual(["Done"]);
  });

  it("answers a stale button politely and repeats the current step", () => {
    const h = harness(`  - id: a
    say: A
    buttons: [{ text: To B, goto: b }]
  - id: b
    say: B
    buttons: [{ text: To A, goto: a }]
`);
    const first = h.send({ type: "start" });
    h.press("To B", first);
    const again = h.press("To B", first);
    expect(texts(again)).toEqual([`${engineTexts.staleButton}\n\nB`]);
    expect(h.events.some((e) => e.type === "button_stale")).toBe(true);
    expect(h.send({ type: "button", payload: "garbage" })[0]?.text).toContain(engineTexts.staleButton);
  });

  it("escapes user-provided values on every channel (the VK adapter turns the HTML into plain text)", () => {
    const steps = `  - id: ask
    ask: { type: text, text: Name?, save: contact.first_name }
  - id: hi
    say: "<b>Hi</b> {{ contact.first_name }}"
`;
    const web = harness(steps);
    web.send({ type: "start" });
    expect(texts(web.text("<script>x</script>"))).toEqual(["<b>Hi</b> &lt;script&gt;x&lt;/script&gt;"]);
    const vk = harness(steps, "", "vk");
    vk.send({ type: "start" });
    expect(vk.text("Tom & Jerry")[0]).toMatchObject({ text: "<b>Hi</b> Tom &amp; Jerry", format: "html" });
  });
});

describe("Engine: ask step", () => {
  const ask = (type: string, extra = "") => `  - id: q
    ask: { type: ${type}, text: Question, save: vars.answer${extra} }
  - id: done
    say: "Got {{ vars.answer }}"
`;

  it.each([
    ["text", "", "  Anna ", "Anna", ""],
    ["number", ", min: 1, max: 10", "7,5", 7.5, "11"],
    ["email", "", "Anna@Example.com", "anna@example.com", "anna@"],
    ["phone", "", "8 (916) 123-45-67", "+79161234567", "12345"],
    ["choice", ", options: [Red, Blue]", "blue", "Blue", "green"],
  ])("%s: validates, normalises and saves the answer", (type, extra, good, saved, bad) => {
    const h = harness(ask(type, extra));
    expect(h.send({ type: "start" })[0]?.expects).toBe(type);
    if (bad) {
      const retry = h.text(bad);
      expect(retry[0]?.text).toMatch(/Question$/);
      expect(h.conversation()?.attempts).toBe(1);
    }
    h.text(good);
    expect(h.conversation()?.vars.answer).toEqual(saved);
  });

  it("uses the custom retry text and accepts a choice by button or number", () => {
    const h = harness(ask("choice", ', options: [Red, Blue], retry: "Red or Blue?"'));
    const question = h.send({ type: "start" });
    expect(h.text("green")[0]?.text).toBe("Red or Blue?\n\nQuestion");
    expect(texts(h.press("Red", question))).toEqual(["Got Red"]);
    const again = harness(ask("choice", ", options: [Red, Blue]"));
    again.send({ type: "start" });
    expect(texts(again.text("2"))).toEqual(["Got Blue"]);
  });

  it("saves built-in and custom contact fields", () => {
    const h = harness(`  - id: q1
    ask: { type: text, text: Name?, save: contact.first_name }
  - id: q2
    ask: { type: text, text: City?, save: contact.city }
`);
    h.send({ type: "start" });
    h.text("Anna");
    h.text("Kazan");
    expect(h.contact.first_name).toBe("Anna");
    expect(h.contact.fields.city).toBe("Kazan");
    expect(h.events.filter((e) => e.type === "field_set").map((e) => e.data.field)).toEqual(["first_name", "city"]);
  });
});

describe("Engine: branch, set, tag, goto, end", () => {
  const flow = `  - id: start
    set: { vars.score: 5, contact.city: "{{ 'Kazan' }}" }
  - id: route
    branches:
      - { when: 'vars.score >= 9', goto: promoter }
      - { when: '"vip" in contact.tags', goto: vip }
    else: jump
  - id: jump
    goto: tagging
  - id: promoter
    end: Promoter
  - id: vip
    end: VIP
  - id: tagging
    tag: { add: [vip, lead], remove: [cold] }
  - id: back
    goto: route
`;

  it("walks set → branch(else) → goto → tag → goto → branch(vip) → end", () => {
    const h = harness(flow);
    expect(texts(h.send({ type: "start" }))).toEqual(["VIP"]);
    expect(h.contact.fields.city).toBe("Kazan");
    expect(h.contact.tags).toEqual(["vip", "lead"]);
    expect(h.conversation()?.vars.score).toBe(5);
    expect(h.conversation()?.status).toBe("ended");
    const entered = h.events.filter((e) => e.type === "step_entered").map((e) => e.data.stepId);
    expect(entered).toEqual(["start", "route", "jump", "tagging", "back", "route", "vip"]);
  });

  it("stops a flow that loops without waiting instead of hanging", () => {
    const h = harness(`  - id: a
    branches: [{ when: "true", goto: b }]
  - id: b
    goto: a
`);
    h.send({ type: "start" });
    expect(h.events.some((e) => e.type === "flow_error" && e.data.reason === "too_many_steps_without_waiting")).toBe(true);
  });

  it("treats a condition that fails at run time as false and logs it", () => {
    const h = harness(`  - id: q
    ask: { type: text, text: Score?, save: vars.score }
  - id: route
    branches: [{ when: "vars.score >= 9", goto: high }]
    else: low
  - id: high
    end: High
  - id: low
    end: Low
`);
    h.send({ type: "start" });
    expect(texts(h.text("ten"))).toEqual(["Low"]);
    expect(h.events.find((e) => e.type === "flow_error")?.data).toMatchObject({ reason: "condition_failed", condition: "vars.score >= 9" });
  });

  it("stores set values unescaped and escapes them when they are shown", () => {
    const steps = `  - id: q
    ask: { type: text, text: Name?, save: vars.name }
  - id: keep
    set: { contact.company: "{{ vars.name }}" }
  - id: show
    say: "Hi {{ contact.company }}"
`;
    const web = harness(steps);
    web.send({ type: "start" });
    expect(texts(web.text("Tom & <Jerry>"))).toEqual(["Hi Tom &amp; &lt;Jerry&gt;"]);
    expect(web.contact.fields.company).toBe("Tom & <Jerry>");
  });
});

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
});
