import { describe, expect, it } from "vitest";
import { engineTexts as catalog } from "../texts/engine-texts.ts";
import { harness, texts } from "./engine-test-kit.ts";

const engineTexts = catalog.ru;

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
