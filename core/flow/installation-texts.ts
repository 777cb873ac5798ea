import { existsSync } from "node:fs";
import { basename, join } from "node:path";
import { z } from "zod";
import { languageSchema, textOverridesSchema } from "./flow-schema.ts";
import { readYamlFile } from "./yaml-file.ts";

/**
 * `texts.yaml` in the flows folder is not a flow: it holds the installation's language and
 * wording of the bot's own phrases (opt-out, retries, FAQ …); a flow's `language:` and
 * `texts:` go over it.
 */
export const installationTextsFileName = "texts.yaml";

export const installationTextsSchema = z.strictObject({
  $schema: z.string().optional(),
  language: languageSchema.optional(),
  texts: textOverridesSchema.optional(),
});
export type InstallationTexts = Omit<z.infer<typeof installationTextsSchema>, "$schema">;

/** Whether a YAML file in a flows folder is the installation's texts rather than a flow. */
export function isInstallationTextsFile(path: string): boolean {
  return basename(path) === installationTextsFileName;
}

/** The installation's texts of a flows folder (none when it has no texts.yaml); problems as `file:line:column`. */
export async function loadInstallationTexts(flowsDir: string): Promise<InstallationTexts> {
  const file = join(flowsDir, installationTextsFileName);
  if (!existsSync(file)) return {};
  const { $schema: _, ...texts } = (await readYamlFile(file, installationTextsSchema)).data;
  return texts;
}
