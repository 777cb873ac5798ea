import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { FlowCatalog } from "../core/flow/flow-catalog.ts";
import { FlowError } from "../core/flow/flow-error.ts";
import { FlowLoader } from "../core/flow/flow-loader.ts";

/** Loads every `*.yaml` / `*.yml` flow in a folder; reports all broken files at once. */
export async function loadFlowDirectory(dir: string, loader = new FlowLoader()): Promise<FlowCatalog> {
  const files = (await readdir(dir)).filter((name) => /\.ya?ml$/.test(name)).sort();
  if (files.length === 0) throw new Error(`No flow files (*.yaml) in ${dir}`);
  const results = await Promise.allSettled(files.map((name) => loader.loadFile(join(dir, name))));
  const problems = results.flatMap((r) => (r.status === "rejected" && r.reason instanceof FlowError ? r.reason.problems : []));
  const other = results.find((r) => r.status === "rejected" && !(r.reason instanceof FlowError));
  if (other?.status === "rejected") throw other.reason;
  if (problems.length) throw new FlowError(problems);
  return new FlowCatalog(results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : [])));
}
