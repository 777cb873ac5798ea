import { describe, expect, it } from "vitest";
import { FlowCatalog } from "../flow/flow-catalog.ts";
import { FlowLoader } from "../flow/flow-loader.ts";
import { engineTextKeys, engineTexts, resolveEngineTexts } from "../texts/engine-texts.ts";
import { FlowHarness } from "./flow-harness.ts";

const loader = new FlowLoader();
const flowWith = (header: string) =>
  loader.parse(
    `id: demo\ntitle: Demo\ndefault: true\n${header}steps:\n  - id: age\n    ask: { type: number, text: Age?, save: vars.age }\n`,
    "demo.yaml",
  );

describe("the engine's own texts", () => {
  it("has every phrase in every language", () => {
    for (const language of Object.keys(engineTexts) as Array<keyof typeof engineTexts>) {
      for (const key of engineTextKeys) expect(engineTexts[language][key], `${language}.${key}`).toMatch(/\S/);
    }
  });

  it("are Russian by default, in English when the flow says so, and in the flow's own words where it gives them", () => {
    const russian = new FlowHarness(new FlowCatalog([flowWith("")]));
    russian.send({ type: "start" });
    expect(russian.text("old")[0]?.text).toBe(`${engineTexts.ru.retryNumber}\n\nAge?`);

    const english = new FlowHarness(new FlowCatalog([flowWith("language: en\ntexts: { optedOut: See you! }\n")]));
    english.send({ type: "start" });
    expect(english.text("old")[0]?.text).toBe(`${engineTexts.en.retryNumber}\n\nAge?`);
    expect(english.text("/stop")[0]?.text).toBe("See you!");
  });

  it("take the installation's language and wording, under the flow's own", () => {
    const installation = { language: "en" as const, texts: { noFlow: "Say /start", optedOut: "Bye" } };
    const h = new FlowHarness(new FlowCatalog([flowWith("texts: { optedOut: Пока! }\n")], [], undefined, installation));
    h.send({ type: "start" });
    expect(h.text("/stop")[0]?.text).toBe("Пока!");
    expect(resolveEngineTexts(installation.language, installation.texts).noFlow).toBe("Say /start");
    expect(h.text("old")[0]?.text).toBe(`${engineTexts.en.retryNumber}\n\nAge?`);
  });

  it("refuses an unknown phrase in a flow, with its position", () => {
    expect(() => flowWith("texts: { optedOot: Bye }\n")).toThrow(/demo\.yaml:4:\d+ texts: unknown key "optedOot"/);
  });
});
