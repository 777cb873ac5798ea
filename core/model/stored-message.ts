import { z } from "zod";
import { answerKinds, type FileAttachment, messagePurposes, type OutboundMessage } from "./outbound-message.ts";
import { mediaKinds } from "./shared-file.ts";

/**
 * An outbound message as the outbox keeps it (a JSON column, parsed on read). A file is kept
 * by what identifies it — content hash, name, size — never by a path on this machine: a row
 * written before a redeploy to another folder must still find its file.
 */
export const storedMessageSchema = z.object({
  text: z.string(),
  format: z.enum(["html", "plain"]),
  buttons: z.array(z.array(z.object({ label: z.string(), payload: z.string().optional(), url: z.string().optional() }))).optional(),
  expects: z.enum(answerKinds).optional(),
  file: z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), name: z.string(), size: z.number().int() }).optional(),
  copy: z.object({ chatId: z.string(), messageId: z.number().int() }).optional(),
  carry: z
    .object({
      file: z.object({
        kind: z.enum(mediaKinds),
        telegramFileId: z.string().optional(),
        url: z.string().optional(),
        name: z.string().optional(),
        size: z.number().int().optional(),
      }),
      caption: z.string(),
    })
    .optional(),
  card: z.enum(["post", "edit"]).optional(),
  purpose: z.enum(messagePurposes).optional(),
});
export type StoredMessage = z.infer<typeof storedMessageSchema>;

/** The outbox's form of a message. */
export function toStoredMessage(message: OutboundMessage): StoredMessage {
  const { file, ...rest } = message;
  return file ? { ...rest, file: { sha256: file.sha256, name: file.name, size: file.size } } : rest;
}

/** The message again, with its file found by hash (`locate`); undefined when no loaded flow has that file any more. */
export function fromStoredMessage(
  stored: StoredMessage,
  locate: (sha256: string) => FileAttachment | undefined,
): OutboundMessage | undefined {
  const { file, ...rest } = stored;
  if (!file) return rest;
  const found = locate(file.sha256);
  return found ? { ...rest, file: found } : undefined;
}
