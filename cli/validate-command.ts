import { existsSync } from "node:fs";
import { join } from "node:path";
import { knowledgeBaseFileSchema } from "../core/faq/faq-schema.ts";
import { FlowCatalog } from "../core/flow/flow-catalog.ts";
import { FlowError } from "../core/flow/flow-error.ts";
import { FlowLoader } from "../core/flow/flow-loader.ts";
import type { Flow } from "../core/flow/flow-schema.ts";
import { installationTextsFileName, loadInstallationTexts } from "../core/flow/installation-texts.ts";
import { readYamlFile } from "../core/flow/yaml-file.ts";
import type { CliOutput } from "./cli-output.ts";
import { yamlFilesIn } from "./flow-files.ts";

/**
 * `orkestr validate [paths…]`: loads every flow file and prints each problem as
 * `file:line:column message` (the format editors and CI annotate); exit 1 when any is broken.
 */
export async function validateCommand(paths: string[], out: CliOutput): Promise<number> {
  const files = yamlFilesIn(paths.length ? paths : ["flows"]);
  if (files.length === 0) {
    out.error(`No flow files (*.yaml) in ${paths.join(", ") || "flows"}`);
    return 1;
  }
  const loader = new FlowLoader();
  const valid: Flow[] = [];
  let broken = 0;
  /** Loads one file; prints ✓ with what it holds, or ✗ and its problems as file:line:column. */
  const check = async (file: string, load: () => Promise<string>) => {
    try {
      out.log(`✓ ${file}  ${await load()}`);
    } catch (error) {
      if (!(error instanceof FlowError)) throw error;
      broken++;
      out.log(`✗ ${file}`);
      for (const p of error.problems) out.error(`${p.file}:${p.line}:${p.col} ${p.message}`);
    }
  };
  for (const file of files) {
    await check(file, async () => {
      const flow = await loader.loadFile(file);
      valid.push(flow);
      return `${flow.id}@${flow.version}, ${flow.steps.length} steps`;
    });
  }
  const folders = paths.length ? paths : ["flows"];
  // The knowledge base of each folder (faq/*.yaml), as the app loads it.
  const faqDirs = folders.map((p) => join(p, "faq")).filter((dir) => existsSync(dir));
  for (const file of yamlFilesIn(faqDirs)) {
    await check(file, async () => `knowledge base, ${(await readYamlFile(file, knowledgeBaseFileSchema)).data.entries.length} entries`);
  }
  // The installation's wording of the bot's own phrases, as the app loads it.
  for (const dir of folders.filter((p) => existsSync(join(p, installationTextsFileName)))) {
    await check(join(dir, installationTextsFileName), async () => {
      await loadInstallationTexts(dir);
      return "the bot's own texts";
    });
  }
  // Flow ids must be unique across the folder, as the app loads it.
  try {
    new FlowCatalog(valid);
  } catch (error) {
    broken++;
    out.error((error as Error).message);
  }
  out.log(broken === 0 ? `${files.length} flow file(s) valid` : `${broken} problem file(s) of ${files.length}`);
  return broken === 0 ? 0 : 1;
}
