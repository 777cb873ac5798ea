import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { knowledgeBaseFileSchema } from "../core/faq/faq-schema.ts";
import type { KnowledgeBase } from "../core/faq/knowledge-base.ts";
import { FlowCatalog } from "../core/flow/flow-catalog.ts";
import { FlowError } from "../core/flow/flow-error.ts";
import { FlowLoader } from "../core/flow/flow-loader.ts";
import { isInstallationTextsFile, loadInstallationTexts } from "../core/flow/installation-texts.ts";
import { readYamlFile } from "../core/flow/yaml-file.ts";

/**
 * Loads every `*.yaml` / `*.yml` flow in a folder, the knowledge base in its `faq/` subfolder
 * and the installation's texts (`texts.yaml`), if any; reports all broken files at once.
 */
export async function loadFlowDirectory(dir: string, loader = new FlowLoader()): Promise<FlowCatalog> {
  const files = await yamlFilesOf(dir);
  if (files.length === 0) throw new Error(`No flow files (*.yaml) in ${dir}`);
  const faqDir = join(dir, "faq");
  const faqFiles = existsSync(faqDir) ? await yamlFilesOf(faqDir) : [];
  const knowledge = await Promise.allSettled(faqFiles.map((file) => readYamlFile(file, knowledgeBaseFileSchema)));
  const results = await Promise.allSettled(files.map((file) => loader.loadFile(file)));
  const [texts] = await Promise.allSettled([loadInstallationTexts(dir)]);
  const all = [...results, ...knowledge, texts];
  const problems = all.flatMap((r) => (r.status === "rejected" && r.reason instanceof FlowError ? r.reason.problems : []));
  const other = all.find((r) => r.status === "rejected" && !(r.reason instanceof FlowError));
  if (other?.status === "rejected") throw other.reason;
  if (problems.length) throw new FlowError(problems);
  const bases = knowledge.flatMap((r) => (r.status === "fulfilled" ? [r.value.data] : []));
  return new FlowCatalog(
    results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : [])),
    [],
    { entries: bases.flatMap((b) => b.entries), synonyms: bases.flatMap((b) => b.synonyms ?? []) },
    texts.status === "fulfilled" ? texts.value : {},
  );
}

/** The `*.yaml` / `*.yml` files directly in a folder, in name order. */
async function yamlFilesOf(dir: string): Promise<string[]> {
  return (await readdir(dir))
    .filter((name) => /\.ya?ml$/.test(name) && !isInstallationTextsFile(name))
    .sort()
    .map((name) => join(dir, name));
}

/** The knowledge base of a folder alone (`<dir>/faq/*.yaml`): for evaluating one without flows. */
export async function loadKnowledgeBaseDirectory(dir: string): Promise<KnowledgeBase> {
  const faqDir = join(dir, "faq");
  const files = existsSync(faqDir) ? await yamlFilesOf(faqDir) : [];
  if (files.length === 0) throw new Error(`No knowledge base (faq/*.yaml) in ${dir}`);
  const read = await Promise.allSettled(files.map((file) => readYamlFile(file, knowledgeBaseFileSchema)));
  const problems = read.flatMap((r) => (r.status === "rejected" && r.reason instanceof FlowError ? r.reason.problems : []));
  const other = read.find((r) => r.status === "rejected" && !(r.reason instanceof FlowError));
  if (other?.status === "rejected") throw other.reason;
  if (problems.length) throw new FlowError(problems);
  const bases = read.flatMap((r) => (r.status === "fulfilled" ? [r.value.data] : []));
  return { entries: bases.flatMap((b) => b.entries), synonyms: bases.flatMap((b) => b.synonyms ?? []) };
}
