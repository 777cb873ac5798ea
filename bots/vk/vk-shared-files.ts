import { AudioMessageAttachment, DocumentAttachment, type MessageContext, PhotoAttachment } from "vk-io";
import type { MediaKind, SharedFile } from "../../core/model/shared-file.ts";

type VkAttachment = MessageContext["attachments"][number];

/** VK attachment types as the bot names them. */
const mediaKindsOfVk: Record<string, MediaKind> = {
  photo: "photo",
  doc: "document",
  audio_message: "voice",
  sticker: "sticker",
  video: "video",
};

/**
 * A VK message's attachments as files another channel can fetch: a photo in its widest size, a
 * document and a voice message by their URLs. What has no file behind it (a video, a wall post,
 * a sticker) keeps only a link to open it on VK.
 */
export function vkSharedFiles(attachments: VkAttachment[]): SharedFile[] {
  return attachments.map((attachment) => {
    const kind = mediaKindsOfVk[attachment.type] ?? "other";
    if (attachment instanceof PhotoAttachment) return withUrl({ kind }, widestSizeUrl(attachment));
    if (attachment instanceof DocumentAttachment)
      return withUrl(
        { kind, ...(attachment.title ? { name: attachment.title } : {}), ...(attachment.size ? { size: attachment.size } : {}) },
        attachment.url,
      );
    if (attachment instanceof AudioMessageAttachment) return withUrl({ kind, name: "voice.ogg" }, attachment.oggUrl);
    return { kind, url: `https://vk.com/${attachment.toString()}` };
  });
}

function withUrl(file: SharedFile, url: string | undefined): SharedFile {
  return url ? { ...file, url } : file;
}

/** The widest size of a VK photo (vk-io's `largeSizeUrl` fails when no size has one of the types it looks for). */
function widestSizeUrl(photo: PhotoAttachment): string | undefined {
  const sizes = photo.sizes ?? [];
  return [...sizes].sort((a, b) => (b.width ?? 0) - (a.width ?? 0)).find((size) => typeof size.url === "string")?.url;
}
