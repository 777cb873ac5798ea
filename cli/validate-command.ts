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
  for (const file of files) {
    try {
      const flow = await loader.loadFile(file);
      valid.push(flow);
      out.log(`✓ ${file}  ${flow.id}@${flow.version}, ${flow.steps.length} steps`);
    } catch (error) {
      if (!(error instanceof FlowError)) throw error;
      broken++;
      out.log(`✗ ${file}`);
      for (const p of error.problems) out.error(`${p.file}:${p.line}:${p.col} ${p.message}`);
    }
  }
  // The knowledge base of each folder (faq/*.yaml), as the app loads it.
  const faqDirs = (paths.length ? paths : ["flows"]).map((p) => join(p, "faq")).filter((dir) => existsSync(dir));
  for (const file of yamlFilesIn(faqDirs)) {
    try {
      const { data } = await readYamlFile(file, knowledgeBaseFileSchema);
      out.log(`✓ ${file}  knowledge base, ${data.entries.length} entries`);
    } catch (error) {
      if (!(error instanceof FlowError)) throw error;
      broken++;
      out.log(`✗ ${file}`);
      for (const p of error.problems) out.error(`${p.file}:${p.line}:${p.col} ${p.message}`);
    }
  }
  // The installation's wording of the bot's own phrases, as the app loads it.
  for (const dir of (paths.length ? paths : ["flows"]).filter((p) => existsSync(join(p, installationTextsFileName)))) {
    const file = join(dir, installationTextsFileName);
    try {
      await loadInstallationTexts(dir);
      out.log(`✓ ${file}  the bot's own texts`);
    } catch (error) {
      if (!(error instanceof FlowError)) throw error;
      broken++;
      out.log(`✗ ${file}`);
      for (const p of error.problems) out.error(`${p.file}:${p.line}:${p.col} ${p.message}`);
    }
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
