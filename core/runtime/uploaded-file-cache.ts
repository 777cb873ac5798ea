import type { ChannelName } from "../model/channel-name.ts";

/**
 * Remembers what a platform calls a file we already uploaded (a Telegram file_id, a VK doc
 * attachment), so each file is uploaded once per channel and then sent by reference.
 * Keys are content hashes: editing a file makes it a new upload.
 */
export interface UploadedFileCache {
  get(channel: ChannelName, sha256: string): Promise<string | undefined>;
  put(channel: ChannelName, sha256: string, remoteId: string): Promise<void>;
  /** The platform no longer accepts the reference: the next send uploads the file again. */
  forget(channel: ChannelName, sha256: string): Promise<void>;
}
