import { describe, expect, it } from "vitest";
import { emptyKnowledgeBase } from "../faq/knowledge-base.ts";
import { FlowCatalog } from "../flow/flow-catalog.ts";
import { FlowLoader } from "../flow/flow-loader.ts";
import { engineTexts } from "../texts/engine-texts.ts";
import { harness, texts } from "./engine-test-kit.ts";
import { FlowHarness } from "./flow-harness.ts";

const ru = engineTexts.ru;
const steps = `  - id: name
    ask: { type: text, text: Как вас зовут?, save: contact.first_name }
  - id: city
    ask: { type: text, text: Из какого вы города?, save: vars.city }
  - id: bye
    end: "Спасибо, {{ contact.first_name }}!"
`;

describe("requests in the customer's own words, before a text is taken as an answer", () => {
  it("«позовите человека» at the name question asks for a person and is not saved as the name", () => {
    const h = harness(steps);
    h.send({ type: "start" });
    const reply = h.text("позовите, пожалуйста, живого человека");
    expect(h.contact.first_name).toBeUndefined();
    // Without a support desk the request is recorded and the customer told when a person replies.
    expect(h.events.some((e) => e.type === "handoff_requested")).toBe(true);
    expect(texts(reply).length).toBeGreaterThan(0);
    expect(h.events.find((e) => e.type === "intent_recognised")?.data).toEqual({ intent: "human" });
    // A name that shares nothing with a request is a name.
    h.text("Надежда");
    expect(h.contact.first_name).toBe("Надежда");
  });

  it("unsubscribes in everyday words, and starts over when asked", () => {
    const h = harness(steps);
    h.send({ type: "start" });
    h.text("Анна");
    expect(texts(h.text("давайте начнём сначала"))).toEqual(["Как вас зовут?"]);
    expect(h.events.filter((e) => e.type === "intent_recognised").map((e) => e.data)).toEqual([{ intent: "restart" }]);
    expect(texts(h.text("больше не присылайте мне сообщения"))).toEqual([ru.optedOut]);
    expect(h.contact.optedOut).toBe(true);
  });

  it("«удалите мои данные» asks to confirm with a button: «no» keeps everything, «yes» erases and says so", () => {
    const h = harness(steps);
    h.send({ type: "start" });
    h.text("Анна");
    const ask = h.text("удалите мои данные");
    expect(texts(ask)).toEqual([ru.eraseConfirm]);
    expect(texts(h.press(ru.eraseNo, ask))).toEqual([ru.eraseKept, "Из какого вы города?"]);
    expect(h.contact.first_name).toBe("Анна");
    const again = h.text("прошу удалить все мои персональные данные");
    expect(texts(h.press(ru.eraseYes, again))).toEqual([ru.eraseDone]);
    expect(h.contact).toEqual({ id: h.contact.id, fields: {}, tags: [], optedOut: true });
  });

  it("knows the installation's own ways of asking (flows/texts.yaml `intents:`) beside the built-in ones, and a reload brings new ones", () => {
    const flow = new FlowLoader().parse(`id: demo\ntitle: Demo\nsteps:\n${steps}`, "demo.yaml");
    const catalog = (intents: Record<string, string[]>) => new FlowCatalog([flow], [], emptyKnowledgeBase, { intents });
    const flows = catalog({});
    const h = new FlowHarness(flows);
    h.send({ type: "start" });
    // Not one of the built-in ways: taken as the name.
    h.text("бригадира сюда");
    expect(h.contact.first_name).toBe("бригадира сюда");
    flows.replace(catalog({ human: ["бригадира сюда"], unsubscribe: ["больше никаких акций"] }));
    h.text("бригадира сюда");
    expect(h.events.filter((e) => e.type === "intent_recognised").map((e) => e.data)).toEqual([{ intent: "human" }]);
    expect(texts(h.text("больше никаких акций!"))).toEqual([ru.optedOut]);
    expect(h.contact.optedOut).toBe(true);
  });
});
