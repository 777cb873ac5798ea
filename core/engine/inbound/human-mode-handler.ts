import type { InboundEvent } from "../../model/inbound-event.ts";
import type { OutboundMessage } from "../../model/outbound-message.ts";
import type { MediaKind, SharedFile } from "../../model/shared-file.ts";
import { tellWhenSupportOpens } from "../hand-off.ts";
import type { InboundHandler } from "./inbound-handler.ts";

/** How a file the customer sent is named in the topic (the support group's language is Russian, as the card's). */
const mediaLabels: Record<MediaKind, string> = {
  photo: "фото",
  document: "документ",
  voice: "голосовое сообщение",
  sticker: "стикер",
  video: "видео",
  other: "вложение",
};

/**
 * While support staff have the conversation the bot keeps quiet: whatever the customer sends
 * goes to their topic in the support group, and nothing else of the pipeline runs (/stop,
 * before this, still works). A Telegram file is copied there as it is; a file from another
 * channel is carried (fetched and uploaded), each in a post of its own, named with its link
 * should that fail. Outside support hours the customer is told when support opens.
 */
export const humanModeHandler: InboundHandler = {
  name: "human-mode",
  handle({ input, turn, flows, textsOf, support }) {
    if (!input.contact.handed_off_at) return false;
    const flowId = input.currentFlowId;
    tellWhenSupportOpens(turn, flowId, textsOf(flowId ? (flows.get(flowId) ?? null) : null), support);
    const post = (message: OutboundMessage) =>
      turn.effect((position) => ({
        type: "post_to_support",
        flowId,
        position,
        post: { kind: "customer", message },
      }));
    const { event } = input;
    const files = event.type === "text" || event.type === "media" ? (event.files ?? []) : [];
    if (event.type === "media" && event.copy) {
      post({ ...turn.plain(named(event.kind, event.caption)), copy: event.copy });
      return true;
    }
    if (event.type !== "media" || files.length === 0) post(turn.plain(textOf(event)));
    for (const [index, file] of files.entries()) {
      const caption = event.type === "media" && index === 0 ? (event.caption ?? "") : "";
      post({ ...turn.plain(named(file.kind, caption, file)), carry: { file, caption } });
    }
    return true;
  },
};

/** What the topic shows of a message: its text, the button pressed, the start, or the file named. */
function textOf(event: InboundEvent): string {
  switch (event.type) {
    case "text":
      return event.text;
    case "button":
      return `[кнопка] ${event.label ?? event.payload}`;
    case "media":
      return named(event.kind, event.caption);
    case "start":
      return `[/start${event.payload ? ` ${event.payload}` : ""}]`;
  }
}

/** «[фото] caption link»: a file named where it cannot be shown. */
function named(kind: MediaKind, caption: string | undefined, file?: SharedFile): string {
  return [`[${mediaLabels[kind]}]`, file?.name, caption, file?.url].filter(Boolean).join(" ");
}
