import { writeFileSync } from "node:fs";
import { parse } from "yaml";
import { loadFlowDirectory } from "../app/flow-directory.ts";
import type { StoredFlowVersion } from "../core/runtime/flow-version-store.ts";
import { PrismaFlowVersionStore } from "../core/store-prisma/prisma-flow-version-store.ts";
import { openAppDatabase } from "./app-database.ts";
import type { CliOutput } from "./cli-output.ts";

export interface VersionsOptions {
  flows: string;
  rollback?: string;
}

/**
 * `orkestr versions <flow>`: every version the app has loaded (newest first) with what changed
 * and how many conversations run on it; `--rollback <version>` writes that version's text back
 * into the flow file. Uses the app's database (DATABASE_URL, or the embedded one in DATA_DIR).
 */
export async function versionsCommand(flowId: string, options: VersionsOptions, out: CliOutput): Promise<number> {
  const database = await openAppDatabase(out);
  if (!database) return 1;
  try {
    const history = await new PrismaFlowVersionStore(database.prisma).history(flowId);
    if (history.length === 0) {
      out.error(`No versions of "${flowId}" recorded yet: they are recorded when the app loads the flow.`);
      return 1;
    }
    const onDisk = (await loadFlowDirectory(options.flows).catch(() => undefined))?.get(flowId);
    if (options.rollback) return rollback(history, options.rollback, onDisk?.file, out);

    out.log(`${flowId}: ${history.length} version(s), newest first${onDisk ? `; ${onDisk.file} is ${onDisk.version}` : ""}`);
    history.forEach((version, index) => {
      const older = history[index + 1];
      const marks = [version.version === onDisk?.version ? "current" : "", `${stepsOf(version.source).length} steps`].filter(Boolean);
      out.log(
        `  ${version.version}  ${version.createdAt.toISOString().replace("T", " ").slice(0, 16)}  ${marks.join(", ")}  ${older ? changesBetween(older, version) : "first version"}  · active conversations: ${version.activeConversations}`,
      );
    });
    out.log(`Roll back with: npx orkestr versions ${flowId} --rollback <version>`);
    return 0;
  } finally {
    await database.close();
  }
}

function rollback(history: StoredFlowVersion[], wanted: string, currentFile: string | undefined, out: CliOutput): number {
  const matches = history.filter((v) => v.version.startsWith(wanted));
  if (matches.length !== 1) {
    out.error(matches.length ? `"${wanted}" matches several versions; give more characters` : `No version "${wanted}"`);
    return 1;
  }
  const target = matches[0] as StoredFlowVersion;
  const file = currentFile ?? target.file;
  writeFileSync(file, target.source);
  out.log(`${file} is now version ${target.version} again.`);
  out.log("A running app with FLOWS_WATCH=true uses it at once; otherwise restart the app.");
  return 0;
}

type RawStep = { id?: unknown } & Record<string, unknown>;

function stepsOf(source: string): RawStep[] {
  const steps = (parse(source) as { steps?: unknown } | null)?.steps;
  return Array.isArray(steps) ? (steps as RawStep[]) : [];
}

/** Which steps were added, removed or changed, and whether the flow's settings changed. */
function changesBetween(older: StoredFlowVersion, newer: StoredFlowVersion): string {
  const before = new Map(stepsOf(older.source).map((s) => [String(s.id), JSON.stringify(s)]));
  const after = new Map(stepsOf(newer.source).map((s) => [String(s.id), JSON.stringify(s)]));
  const added = [...after.keys()].filter((id) => !before.has(id));
  const removed = [...before.keys()].filter((id) => !after.has(id));
  const changed = [...after.keys()].filter((id) => before.has(id) && before.get(id) !== after.get(id));
  const header = (source: string) => JSON.stringify({ ...(parse(source) as object), steps: undefined });
  const parts = [
    added.length ? `added ${added.join(", ")}` : "",
    removed.length ? `removed ${removed.join(", ")}` : "",
    changed.length ? `changed ${changed.join(", ")}` : "",
    header(older.source) !== header(newer.source) ? "settings changed" : "",
  ].filter(Boolean);
  return parts.length ? parts.join("; ") : "same steps (comments, files or formatting changed)";
}
