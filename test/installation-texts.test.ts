import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadFlowDirectory } from "../app/flow-directory.ts";
import { orkestr } from "./support/orkestr-cli.ts";
import { fixtureFlowsDir } from "./support/test-app.ts";

/** A flows folder of the fixtures plus a texts.yaml. */
function flowsWithTexts(texts: string): string {
  const dir = mkdtempSync(join(tmpdir(), "orkestr-texts-"));
  cpSync(fixtureFlowsDir, dir, { recursive: true });
  writeFileSync(join(dir, "texts.yaml"), texts);
  return dir;
}

describe("flows/texts.yaml: the installation's wording of the bot's own phrases", () => {
  it("is loaded with the flows, is not taken for a flow, and passes `orkestr validate`", async () => {
    const dir = flowsWithTexts("language: en\ntexts:\n  noFlow: Send /start to see our offers.\n");
    const catalog = await loadFlowDirectory(dir);
    expect(catalog.installationTexts).toEqual({ language: "en", texts: { noFlow: "Send /start to see our offers." } });
    expect(catalog.all().map((f) => f.id)).not.toContain("texts");
    const validate = await orkestr(["validate", dir]);
    expect(validate.stdout).toContain(`✓ ${join(dir, "texts.yaml")}  the bot's own texts`);
    expect(validate.code).toBe(0);
  });

  it("stops the start with file:line:column when a phrase is unknown or the language is not offered", async () => {
    const dir = flowsWithTexts("language: de\ntexts:\n  noFlw: Hallo\n");
    await expect(loadFlowDirectory(dir)).rejects.toThrow(/texts\.yaml:1:11 language: .*\n.*texts\.yaml:3:3 texts: unknown key "noFlw"/s);
    expect((await orkestr(["validate", dir])).code).toBe(1);
  });

  it("holds more ways of asking for the built-in requests; an unknown request is named by file:line:column", async () => {
    const dir = flowsWithTexts("intents:\n  human:\n    - позовите старшего смены\n");
    expect((await loadFlowDirectory(dir)).installationTexts).toEqual({ intents: { human: ["позовите старшего смены"] } });
    const broken = flowsWithTexts("intents:\n  human: [позовите старшего]\n  humn: [оператора]\n");
    await expect(loadFlowDirectory(broken)).rejects.toThrow(/texts\.yaml:3:3 intents: unknown key "humn"/);
  });
});
