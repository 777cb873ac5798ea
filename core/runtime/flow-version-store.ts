import type { Flow } from "../flow/flow-schema.ts";

export interface StoredFlowVersion {
  flowId: string;
  version: string;
  source: string;
  file: string;
  createdAt: Date;
}

/** Every flow version ever loaded, so conversations can finish on theirs and authors can look back. */
export interface FlowVersionStore {
  /** Records the versions of these flows; known versions are left as they are. */
  register(flows: Flow[]): Promise<void>;
  /** Versions other than `current` that active conversations are on. */
  versionsInUse(current: Array<{ id: string; version: string }>): Promise<StoredFlowVersion[]>;
  /** All versions of a flow, newest first, with how many active conversations each has. */
  history(flowId: string): Promise<Array<StoredFlowVersion & { activeConversations: number }>>;
}
