import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { isInstallationTextsFile } from "../core/flow/installation-texts.ts";

/**
 * The YAML files named by command-line paths: a folder stands for its `*.yaml` / `*.yml` files
 * (not sub-folders, nor the installation's texts.yaml), a file for itself. Throws with the path when it does not exist.
 */
export function yamlFilesIn(paths: string[]): string[] {
  return paths.flatMap((path) => {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(path).isDirectory();
    } catch {
      throw new Error(`${path}: no such file or folder`);
    }
    if (!isDirectory) return [path];
    return readdirSync(path)
      .filter((name) => /\.ya?ml$/.test(name) && !isInstallationTextsFile(name))
      .sort()
      .map((name) => join(path, name));
  });
}
