import { createHash } from "node:crypto";

/**
 * Button payloads are short (Telegram allows 64 bytes of callback_data, VK 255 chars) and
 * name the step visit they belong to, so a press on an old message is recognised as stale.
 * Format: `b|<visit>|<index>|<tag>`, where tag is a 6-char hash of flow and step ids.
 */
export interface ButtonRef {
  visit: number;
  index: number;
  tag: string;
}

export function stepTag(flowId: string, stepId: string): string {
  return createHash("sha1").update(`${flowId}/${stepId}`).digest("base64url").slice(0, 6);
}

export function encodeButtonPayload(ref: ButtonRef): string {
  return `b|${ref.visit}|${ref.index}|${ref.tag}`;
}

export function decodeButtonPayload(payload: string): ButtonRef | undefined {
  const match = /^b\|(\d+)\|(\d+)\|([\w-]{6})$/.exec(payload);
  if (!match) return undefined;
  return { visit: Number(match[1]), index: Number(match[2]), tag: match[3] as string };
}
