import { basename } from "node:path";
import { type FileApiFlavor, hydrateFiles } from "@grammyjs/files";
import type { Api } from "grammy";
import type { SharedFile } from "../core/model/shared-file.ts";
import type { FetchedFile, SharedFileSource } from "../core/runtime/shared-file-source.ts";

/**
 * Telegram lets a bot download files of up to 20 MB (https://core.telegram.org/bots/api#getfile);
 * the same bound keeps a VK file in memory while it is uploaded to Telegram.
 */
const maxBytes = 20 * 1024 * 1024;
const fetchTimeoutMs = 60_000;

/** Names of files that have none of their own, by kind. */
const defaultNames: Record<SharedFile["kind"], string> = {
  photo: "photo.jpg",
  document: "file",
  voice: "voice.ogg",
  sticker: "sticker.webp",
  video: "video.mp4",
  other: "file",
};

export interface SharedFileFetcherOptions {
  /** The bot's API, token and API root, to download Telegram files (grammY's files plugin builds their URLs). */
  telegram?: { api: Api; token: string; apiRoot?: string | undefined } | undefined;
}

/**
 * Fetches what one channel's customer or staff member sent so another channel can upload it: a
 * Telegram file by its file_id, anything else by its URL, at most 20 MB, within a minute.
 */
export class SharedFileFetcher implements SharedFileSource {
  private readonly telegram: FileApiFlavor<Api> | undefined;

  constructor(options: SharedFileFetcherOptions) {
    const telegram = options.telegram;
    if (telegram) {
      telegram.api.config.use(hydrateFiles(telegram.token, telegram.apiRoot ? { apiRoot: telegram.apiRoot } : {}));
      this.telegram = telegram.api as FileApiFlavor<Api>;
    }
  }

  async fetch(file: SharedFile): Promise<FetchedFile> {
    if (file.size !== undefined && file.size > maxBytes) throw new Error(`the file has ${file.size} bytes, more than ${maxBytes}`);
    const url = file.telegramFileId ? await this.telegramUrl(file.telegramFileId) : file.url;
    if (!url || !/^https?:\/\//.test(url)) throw new Error("the file has no address to fetch it from");
    const response = await fetch(url, { signal: AbortSignal.timeout(fetchTimeoutMs) });
    if (!response.ok || !response.body) throw new Error(`fetching the file answered ${response.status}`);
    const declared = Number(response.headers.get("content-length") ?? 0);
    if (declared > maxBytes) throw new Error(`the file has ${declared} bytes, more than ${maxBytes}`);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      size += chunk.length;
      if (size > maxBytes) throw new Error(`the file has more than ${maxBytes} bytes`);
      chunks.push(Buffer.from(chunk));
    }
    return { bytes: Buffer.concat(chunks), name: file.name ?? nameInUrl(url) ?? defaultNames[file.kind] };
  }

  private async telegramUrl(fileId: string): Promise<string> {
    if (!this.telegram) throw new Error("a Telegram file, and no Telegram bot to fetch it with");
    return (await this.telegram.getFile(fileId)).getUrl();
  }
}

/** The last part of the URL's path when it looks like a file name (`photo-2002.jpg`). */
function nameInUrl(url: string): string | undefined {
  const name = basename(new URL(url).pathname);
  return /\.\w{2,5}$/.test(name) ? name : undefined;
}
