import type { SharedFile } from "../model/shared-file.ts";

/** A file's bytes, fetched to be uploaded on another channel. */
export interface FetchedFile {
  bytes: Buffer;
  /** A name to upload it under (the platforms show it for documents). */
  name: string;
}

/**
 * Where channels get the bytes of a file sent on another channel. Throws when the file cannot be
 * had (too large, gone, its server away); the channel then sends the message's fallback text.
 */
export interface SharedFileSource {
  fetch(file: SharedFile): Promise<FetchedFile>;
}
