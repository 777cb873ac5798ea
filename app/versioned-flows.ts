import { type FSWatcher, watch } from "node:fs";
import { FlowCatalog } from "../core/flow/flow-catalog.ts";
import { FlowLoader } from "../core/flow/flow-loader.ts";
import type { Flow } from "../core/flow/flow-schema.ts";
import type { Logger } from "../core/runtime/conversation-runtime.ts";
import type { FlowVersionStore } from "../core/runtime/flow-version-store.ts";

/**
 * Records the versions of the loaded flows and adds the older versions that conversations in
 * progress still run on, from their stored text. An old version that no longer loads (say, its
 * attachment is gone) is skipped: its conversations continue on the current version.
 */
export async function withVersionsInUse(current: FlowCatalog, store: FlowVersionStore, logger: Logger): Promise<FlowCatalog> {
  const flows = current.all();
  await store.register(flows);
  const loader = new FlowLoader();
  const older: Flow[] = [];
  for (const stored of await store.versionsInUse(flows.map((f) => ({ id: f.id, version: f.version })))) {
    try {
      // The stored id, not a recomputed one: attachments may have changed on disk since.
      older.push({ ...loader.parse(stored.source, stored.file), version: stored.version });
    } catch (error) {
      logger.warn(
        { err: error, flowId: stored.flowId, version: stored.version },
        "older flow version not loadable; its conversations move to the current one",
      );
    }
  }
  return new FlowCatalog(flows, older, current.knowledge);
}

/** Calls `onChange` (debounced) when anything in the flows folder changes; returns the stop function. */
export function watchFlowDirectory(dir: string, onChange: () => void, debounceMs = 300): () => void {
  let timer: NodeJS.Timeout | undefined;
  const watcher: FSWatcher = watch(dir, { recursive: true }, () => {
    clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
  });
  return () => {
    clearTimeout(timer);
    watcher.close();
  };
}
