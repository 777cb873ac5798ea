import type { OutboundButton } from "../model/outbound-message.ts";
import type { StoredMessage } from "../model/stored-message.ts";
import type { ChannelAddress } from "./conversation-store.ts";

export interface TranscriptEntry {
  id: string;
  direction: "in" | "out";
  text: string;
  buttons?: OutboundButton[][];
  /** A file sent with the message, named by content hash. */
  file?: NonNullable<StoredMessage["file"]>;
  createdAt: Date;
}

export interface ConversationSnapshot {
  flowId: string | null;
  stepId?: string | null;
  stage?: string | null;
  tags?: string[];
  fields?: Record<string, unknown>;
  vars?: Record<string, unknown>;
}

/** Read-only views for previews (web chat) and tools; never used to decide a turn. */
export interface ConversationReader {
  transcript(address: ChannelAddress, limit?: number): Promise<TranscriptEntry[]>;
  snapshot(address: ChannelAddress): Promise<ConversationSnapshot>;
}
