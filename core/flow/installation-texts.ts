import { existsSync } from "node:fs";
import { basename, join } from "node:path";
import { z } from "zod";
import { intentNames } from "../model/intent-name.ts";
import { languageSchema, textOverridesSchema } from "./flow-schema.ts";
import { readYamlFile } from "./yaml-file.ts";

/**
 * `texts.yaml` in the flows folder is not a flow: it holds the installation's language and
 * wording of the bot's own phrases (opt-out, retries, FAQ …), a flow's `language:` and
 * `texts:` going over it; and more ways its customers put the requests the bot knows (`intents:`).
 */
export const installationTextsFileName = "texts.yaml";

export const installationTextsSchema = z.strictObject({
  $schema: z.string().optional(),
  language: languageSchema.optional(),
  texts: textOverridesSchema.optional(),
  intents: z
    .strictObject(
      Object.fromEntries(intentNames.map((id) => [id, z.array(z.string().trim().min(1)).min(1).optional()])) as Record<
        (typeof intentNames)[number],
        z.ZodOptional<z.ZodArray<z.ZodString>>
      >,
    )
    .optional()
    .describe("More ways your customers put each request (human, unsubscribe, erase_data, restart), beside the built-in ones"),
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
